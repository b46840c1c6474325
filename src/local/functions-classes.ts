import functionsLibrary from '@azure/functions';

/**
 * @azure/functions is a bundled CommonJS module: Node's ESM loader sees `app` as a named
 * export but not the classes, so the local host takes them from the default export.
 */
export const { HttpRequest, HttpResponse, InvocationContext } = functionsLibrary;
