import type {
  EventGridFunctionOptions,
  HttpFunctionOptions,
  HttpMethod,
  TimerFunctionOptions,
} from '@azure/functions';
import type { HostedFunction } from '../local/hosted-function.js';
import { REGISTRATIONS } from './registrations.js';

type Handler = (...args: never[]) => unknown;

/**
 * The function table as the Azure entry point registers it: every registration of
 * src/app/registrations.ts with a handler that imports the real table (src/app/functions.ts,
 * and with it zod, the SDKs and every service) on the first invocation. A cold instance
 * thus pays for @azure/functions and this file only before the host can index it, and the
 * rest once, when there is work to do.
 */
export function lazyFunctions(): HostedFunction[] {
  let table: Promise<Map<string, HostedFunction>> | undefined;
  const load = () =>
    (table ??= import('./azure-table.js')
      .then((m) => m.installedTable())
      .catch((err: unknown) => {
        table = undefined; // a failed import (a broken deployment) is not kept
        throw err;
      }));
  const handlerOf =
    (name: string) =>
    async (...args: unknown[]): Promise<unknown> => {
      const fn = (await load()).get(name);
      if (!fn) throw new Error(`${name} is registered but not in the function table`);
      return (fn.options.handler as (...a: unknown[]) => unknown)(...args);
    };
  return REGISTRATIONS.map((r): HostedFunction => {
    const handler = handlerOf(r.name) as Handler;
    switch (r.trigger) {
      case 'http':
        return {
          name: r.name,
          trigger: 'http',
          options: {
            methods: r.methods as HttpMethod[],
            route: r.route,
            authLevel: r.authLevel as HttpFunctionOptions['authLevel'],
            handler: handler as HttpFunctionOptions['handler'],
          },
        };
      case 'timer':
        return {
          name: r.name,
          trigger: 'timer',
          options: { schedule: r.schedule, handler: handler as TimerFunctionOptions['handler'] },
        };
      case 'eventGrid':
        return {
          name: r.name,
          trigger: 'eventGrid',
          options: { handler: handler as EventGridFunctionOptions<unknown>['handler'] },
        };
    }
  });
}
