/**
 * Loads the Functions app's entry point the way the Azure Functions Node.js worker does and
 * prints the function metadata it registered, as JSON on stdout.
 *
 * The worker makes `@azure/functions-core` available by intercepting `require`
 * (Azure/azure-functions-nodejs-worker, src/setupCoreModule.ts); @azure/functions then calls
 * its `registerFunction(metadata, callback)` once per `app.http`/`app.timer`/`app.eventGrid`,
 * with the bindings the host will index. This does the same and records the metadata, so a
 * test sees exactly what the host would be given, without the host.
 *
 * `capabilities` as a second argument prints instead what the programming model tells the
 * worker it needs from the host (`getCapabilities`, which the worker calls at start-up): with
 * HTTP streams enabled, `HttpUri`, the address the host forwards requests to.
 *
 * Usage: node functions-worker.mjs <entry point .js> [capabilities]
 */
import Module from 'node:module';
import { pathToFileURL } from 'node:url';

const registered = [];
let programmingModel;
const core = {
  version: 'test',
  hostVersion: '4.1037.0',
  registerFunction(metadata) {
    registered.push(metadata);
    return { dispose() {} };
  },
  setProgrammingModel(model) {
    programmingModel = model;
  },
  registerHook() {
    return { dispose() {} };
  },
  log() {},
  Disposable: class {
    dispose() {}
  },
};
Module.prototype.require = new Proxy(Module.prototype.require, {
  apply(target, thisArg, args) {
    return args[0] === '@azure/functions-core' ? core : Reflect.apply(target, thisArg, args);
  },
});

import(pathToFileURL(process.argv[2]).href).then(
  async () => {
    if (process.argv[3] !== 'capabilities') return process.stdout.write(JSON.stringify(registered));
    const capabilities = await programmingModel.getCapabilities({});
    // getCapabilities may have started the library's HTTP proxy: leave without waiting for it.
    process.stdout.write(JSON.stringify(capabilities), () => process.exit(0));
  },
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
