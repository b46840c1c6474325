import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import type { ApiDeps } from '../api/deps.js';
import type { HttpRoute, RouteMount } from '../api/route.js';
import { readEvent, type EventDataByType, type EventType } from '../events/cloud-events.js';
import { EVENT_ROUTES } from '../events/routes.js';
import { inEventSpan, inInvocationSpan } from '../events/tracing.js';
import type { HostedFunction } from '../local/hosted-function.js';
import { redactSecrets } from '../security/redact.js';
import type { Runtime } from '../services/runtime.js';
import { getApp, runtimeFor, type App } from './current-runtime.js';

/**
 * The one wrapper per trigger kind. Each runs its function in a span (a child of the event's
 * `traceparent` or of the host's invocation), hands it the process runtime with logs going to
 * the invocation, and writes one log line saying what the invocation did.
 */

/**
 * A route as a Functions HTTP registration under its table's mount: every failure answers as
 * the table's guard says (problem+json for the API, an HTML page for people).
 */
export function httpFunction(route: HttpRoute, mount: RouteMount): HostedFunction {
  const template = `${mount.prefix}${route.route}`;
  const handle = mount.guard((req: HttpRequest, ctx: InvocationContext) =>
    inInvocationSpan(ctx, async () => {
      const started = performance.now();
      const app = await appOrUnavailable(route, ctx);
      const res = 'response' in app ? app.response : await route.handler(app.api, req, ctx);
      // The route template, not the path: paths carry subscription ids, query strings tokens.
      ctx.log(
        `${route.method} /${template} → ${res.status ?? 200} in ${Math.round(performance.now() - started)} ms`,
      );
      return res;
    }),
  );
  return {
    name: route.name,
    trigger: 'http',
    options: {
      methods: [route.method],
      route: template,
      authLevel: route.authLevel,
      handler: (req, ctx) => handle(req, redacting(ctx)),
    },
  };
}

const LOG_METHODS = ['log', 'trace', 'debug', 'info', 'warn', 'error'] as const;

/**
 * The invocation's context with every log line through the one redaction rule
 * (src/security/redact.ts: addresses masked, URLs cut to their host, tokens dropped), so no
 * handler, service or sender can put an address or a secret into Application Insights, however
 * it words its line. Everything else is the host's own context (its prototype).
 */
export function redacting(ctx: InvocationContext): InvocationContext {
  const wrapped = Object.create(ctx) as InvocationContext;
  for (const method of LOG_METHODS) {
    const write = ctx[method].bind(ctx);
    wrapped[method] = (...args: unknown[]) => write(redactSecrets(args.map(String).join(' ')));
  }
  return wrapped;
}

/** The app, or the route's own answer for "cannot build it" (health's 503) when it has one. */
async function appOrUnavailable(
  route: HttpRoute,
  ctx: InvocationContext,
): Promise<App | { response: HttpResponseInit }> {
  if (!route.unavailable) return getApp();
  try {
    return await getApp();
  } catch (err) {
    ctx.error(`runtime unavailable: ${err instanceof Error ? err.message : String(err)}`);
    return { response: route.unavailable(err) };
  }
}

/**
 * A timer function. `schedule` is an NCRONTAB expression or a `%SETTING%` naming one;
 * `run` answers with the line to log.
 */
export function timerFunction(
  name: string,
  schedule: string,
  run: (rt: Runtime, api: ApiDeps) => Promise<string>,
): HostedFunction {
  return {
    name,
    trigger: 'timer',
    options: {
      schedule,
      handler: (_timer: Timer, host: InvocationContext) => {
        const ctx = redacting(host);
        return inInvocationSpan(ctx, async () => {
          const { api } = await getApp();
          // The host names the function on every line (the local host's `[name]` prefix, the
          // Functions host's category), so the line says only what the run did.
          ctx.log(await run(await runtimeFor(ctx), api));
        });
      },
    },
  };
}

/**
 * An Event Grid function consuming one event type. It must be the consumer src/events/routes.ts
 * names for that type (the Event Grid subscriptions and the local bus route by that table), so
 * a mismatch fails when the table is built rather than as events nobody handles.
 *
 * A malformed event is logged and dropped: retrying cannot fix it, and Event Grid takes a
 * normal return as delivered. A retriable failure throws, so Event Grid redelivers.
 */
export function eventGridFunction<T extends EventType>(
  name: string,
  type: T,
  run: (rt: Runtime, data: EventDataByType[T]) => Promise<string>,
  opts: { sends?: true } = {},
): HostedFunction {
  if (EVENT_ROUTES[type] !== name) {
    throw new Error(`${type} is routed to ${EVENT_ROUTES[type]}, not ${name} (events/routes.ts)`);
  }
  return {
    name,
    trigger: 'eventGrid',
    ...opts,
    options: {
      handler: (event: unknown, host: InvocationContext) => {
        const ctx = redacting(host);
        return inEventSpan(ctx, event, async () => {
          const read = readEvent(event, type);
          if (!read.ok) return ctx.error(`dropped event: ${read.error}`);
          const outcome = await run(await runtimeFor(ctx), read.event.data);
          ctx.log(`${read.event.id}: ${outcome}`);
        });
      },
    },
  };
}
