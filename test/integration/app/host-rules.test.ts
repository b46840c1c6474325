/**
 * The function table against the rules the Azure Functions host applies when it indexes an app.
 * `npm start` serves whatever it is given, so without this test a function the real host refuses
 * (as `admin/detect` was) would only fail on the first `azd up`.
 *
 * The metadata checked is what the host itself receives: the compiled entry point
 * (package.json "main") is loaded the way the Node.js worker loads it, and every
 * `registerFunction` call is recorded (test/support/functions-worker.mjs).
 *
 * Rules, from Azure/azure-functions-host at "Host release prep 4.1037.0" (89dc438d4):
 * - ROUTES: ScriptHost.ValidateHttpFunction (src/WebJobs.Script/Host/ScriptHost.cs) throws
 *   "The specified route conflicts with one or more built in routes" when the route (the
 *   function name if unset), trimmed of '/' and lower-cased, starts with "admin" or "runtime".
 * - NAMES: Utility.IsValidFunctionName (src/WebJobs.Script/Utility.cs) matches
 *   `^[a-z][a-z0-9_\-]{0,127}$(?<!^host$)` ignoring case; ScriptHost.ValidateFunction refuses a
 *   name used twice ("must be unique within the function app").
 * - CONFLICTS: ScriptHost.HttpRoutesConflict: two functions conflict when their routes are
 *   equal ignoring case and surrounding '/', and their methods intersect (none listed = all).
 * - BINDINGS: `httpTrigger` is built in (Binding/WebJobsCoreScriptBindingProvider.cs), as are
 *   the `http` output (Binding/FunctionBinding.cs) and `timerTrigger`
 *   (Binding/CoreExtensionsScriptBindingProvider.cs); "The Azure Functions runtime natively
 *   runs HTTP and timer triggers" (learn.microsoft.com/azure/azure-functions/functions-bindings-register).
 *   Every other type must come from an extension of the bundle host.json names
 *   (Azure/azure-functions-extension-bundles, extensions.json; copy in test/fixtures/functions-host).
 * - ROUTE PREFIX: every function route is served under host.json `extensions.http.routePrefix`,
 *   "api" when host.json does not set it (WebFunctionsManager.GetRoutePrefix,
 *   src/WebJobs.Script.WebHost/Management/WebFunctionsManager.cs); the route table is built with
 *   that prefix (WebScriptHostHttpRoutesManager.cs), and an empty one adds nothing in front of
 *   the route (FunctionMetadataExtensions.GetFunctionInvokeUrlTemplate: the prefix is only
 *   prepended when non-empty). The reserved-route rule above looks at the route alone, so with
 *   an empty prefix `api/...` and `s/...` are checked as they are served.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOST_ROUTE_PREFIX } from '../../../src/app/functions.js';
import { ensureBuilt, ROOT } from '../../support/built.js';

interface Binding {
  type: string;
  direction: 'in' | 'out';
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
}
interface Registered {
  name: string;
  bindings: Record<string, Binding>;
}

const BUILT_IN_TYPES = ['httptrigger', 'http', 'timertrigger'];

const BUNDLE = JSON.parse(
  readFileSync(
    path.join(ROOT, 'test/fixtures/functions-host/extension-bundle-4.38.0-extensions.json'),
    'utf8',
  ),
) as { name: string; bindings: string[] }[];
const BUNDLE_TYPES = new Set(BUNDLE.flatMap((e) => e.bindings.map((b) => b.toLowerCase())));

const NAME_RULE = /^[a-z][a-z0-9_-]{0,127}$/i;

interface HttpTrigger {
  name: string;
  route: string;
  methods: string[];
}

/** Every rule broken by a table, one line each; empty when the host would load it. */
function hostRuleViolations(functions: Registered[]): string[] {
  const wrong: string[] = [];
  const seen = new Set<string>();
  const http: HttpTrigger[] = [];
  for (const fn of functions) {
    if (!NAME_RULE.test(fn.name) || fn.name.toLowerCase() === 'host')
      wrong.push(`${fn.name}: not a valid function name`);
    if (seen.has(fn.name.toLowerCase())) wrong.push(`${fn.name}: name used twice`);
    seen.add(fn.name.toLowerCase());
    for (const binding of Object.values(fn.bindings)) {
      const type = binding.type.toLowerCase();
      if (!BUILT_IN_TYPES.includes(type) && !BUNDLE_TYPES.has(type))
        wrong.push(
          `${fn.name}: binding type ${binding.type} is neither built in nor in the bundle`,
        );
      if (type !== 'httptrigger') continue;
      const route = (binding.route ?? fn.name).replace(/^\/+|\/+$/g, '').toLowerCase();
      if (route.startsWith('admin') || route.startsWith('runtime'))
        wrong.push(`${fn.name}: route ${route} conflicts with the host's built-in routes`);
      const methods = (binding.methods ?? []).map((m) => m.toUpperCase());
      for (const other of http) {
        const overlap =
          methods.length === 0 ||
          other.methods.length === 0 ||
          methods.some((m) => other.methods.includes(m));
        if (other.route === route && overlap)
          wrong.push(`${fn.name}: route ${route} conflicts with ${other.name}`);
      }
      http.push({ name: fn.name, route, methods });
    }
  }
  return wrong;
}

let registered: Registered[];

beforeAll(() => {
  const main = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string }
  ).main;
  const entry = ensureBuilt(main);
  const out = execFileSync(
    process.execPath,
    [path.join(ROOT, 'test/support/functions-worker.mjs'), entry],
    // No settings at all, as on a fresh Function App: registering must not need any.
    { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
  );
  registered = JSON.parse(out) as Registered[];
});

describe('the function table, as the Azure Functions host indexes it', () => {
  it('registers every function of the app, each with one trigger', () => {
    const names = registered.map((f) => f.name);
    // The pipeline's functions and a sample of the API: the table must not lose any.
    expect(names).toEqual(
      expect.arrayContaining([
        'detectReleases',
        'sendDigests',
        'fanOutRelease',
        'matchSubscribers',
        'deliverNotification',
        'deliverChannelNotice',
        'createSubscription',
        'health',
        'detectNow',
      ]),
    );
    for (const fn of registered) {
      const triggers = Object.values(fn.bindings).filter((b) => b.type.endsWith('Trigger'));
      expect(triggers, fn.name).toHaveLength(1);
    }
  });

  it('breaks none of the host rules', () => {
    expect(hostRuleViolations(registered)).toEqual([]);
  });

  it('has the routePrefix the local host serves, with the API under api/ and pages at the root', () => {
    const host = JSON.parse(readFileSync(path.join(ROOT, 'host.json'), 'utf8')) as {
      extensions?: { http?: { routePrefix?: string } };
    };
    // The host's default is "api" when host.json says nothing.
    expect(host.extensions?.http?.routePrefix ?? 'api').toBe(HOST_ROUTE_PREFIX);
    const routes = registered.flatMap((fn) =>
      Object.values(fn.bindings).flatMap((b) => (b.type === 'httpTrigger' ? [b.route ?? ''] : [])),
    );
    expect(routes).toEqual(expect.arrayContaining(['api/subscriptions', 'api/health', 's/{id}']));
    for (const route of routes) expect(route, route).toMatch(/^(api\/|s\/|assets\/)/);
  });

  it('names the extension bundle the binding list comes from', () => {
    const host = JSON.parse(readFileSync(path.join(ROOT, 'host.json'), 'utf8')) as {
      extensionBundle: { id: string; version: string };
    };
    expect(host.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
    expect(BUNDLE.map((e) => e.name)).toContain('EventGrid');
  });
});

describe('the rule checker itself', () => {
  const http = (name: string, route: string, methods: string[]): Registered => ({
    name,
    bindings: {
      request: { type: 'httpTrigger', direction: 'in', route, methods, authLevel: 'function' },
      $return: { type: 'http', direction: 'out' },
    },
  });

  it('refuses the route the app used to have, admin/detect, and runtime/ ones', () => {
    expect(hostRuleViolations([http('adminDetect', 'admin/detect', ['POST'])])).toEqual([
      "adminDetect: route admin/detect conflicts with the host's built-in routes",
    ]);
    expect(hostRuleViolations([http('hook', '/Runtime/x', ['GET'])])).toHaveLength(1);
  });

  it('refuses the same route with an overlapping method, also when one lists no methods', () => {
    expect(
      hostRuleViolations([http('a', 'x/{id}', ['GET']), http('b', 'X/{id}/', ['GET', 'PUT'])]),
    ).toHaveLength(1);
    expect(hostRuleViolations([http('a', 'x', []), http('b', 'x', ['DELETE'])])).toHaveLength(1);
    expect(hostRuleViolations([http('a', 'x', ['GET']), http('b', 'x', ['DELETE'])])).toEqual([]);
  });

  it('refuses bad or repeated names and binding types no extension provides', () => {
    expect(hostRuleViolations([http('1st', 'a', ['GET'])])).toHaveLength(1);
    expect(hostRuleViolations([http('host', 'a', ['GET'])])).toHaveLength(1);
    expect(hostRuleViolations([http('a', 'a', ['GET']), http('A', 'b', ['GET'])])).toHaveLength(1);
    const exotic: Registered = {
      name: 'exotic',
      bindings: { t: { type: 'fancyTrigger', direction: 'in' } },
    };
    expect(hostRuleViolations([exotic])).toHaveLength(1);
  });
});

describe('request bodies in Azure', () => {
  it('are streamed to the handlers: the entry point asks the host for HTTP streams', () => {
    // With `HttpUri` the host forwards each request over HTTP to the worker instead of reading
    // its body into the invocation message first (Azure/azure-functions-host,
    // GrpcMessageConversionExtensions.ToRpcHttp: "If proxying the http request to the worker,
    // keep the grpc message minimal"), so a handler can refuse from the headers.
    const main = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string }
    ).main;
    const out = execFileSync(
      process.execPath,
      [path.join(ROOT, 'test/support/functions-worker.mjs'), ensureBuilt(main), 'capabilities'],
      { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
    );
    const capabilities = JSON.parse(out) as Record<string, string>;
    expect(capabilities.HttpUri).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):\d+\/?$/);
  });
});
