import { randomUUID } from 'node:crypto';
import type {
  EventGridFunctionOptions,
  HttpFunctionOptions,
  InvocationContext as InvocationContextType,
  TimerFunctionOptions,
} from '@azure/functions';
import { InvocationContext } from './functions-classes.js';

/**
 * One function registration, as the Functions host sees it: `app.http(name, options)` and its
 * timer and Event Grid siblings. The app's table (src/app/functions.ts) is a list of these;
 * Azure registers them (src/functions/index.ts) and the local host serves the same list.
 */
export type HostedFunction =
  | { name: string; trigger: 'http'; options: HttpFunctionOptions }
  | { name: string; trigger: 'timer'; options: TimerFunctionOptions }
  | {
      name: string;
      trigger: 'eventGrid';
      options: EventGridFunctionOptions<unknown>;
      /** It talks to Teams or mail: the local bus gives it LOCAL_BUS_DELIVERY_CONCURRENCY. */
      sends?: true;
    };

/** Where the local host sends a function's log lines (the console under `npm start`). */
export interface HostLog {
  /** `context.debug` and `context.trace`: dropped unless the host's log shows them. */
  debug?(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A fresh InvocationContext whose log lines go to `log`, prefixed with the function's name. */
export function invocationContext(functionName: string, log: HostLog): InvocationContextType {
  return new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    logHandler: (level, ...args) => {
      const line = `[${functionName}] ${args.map(String).join(' ')}`;
      if (level === 'error' || level === 'critical') log.error(line);
      else if (level === 'warning') log.warn(line);
      else if (level === 'debug' || level === 'trace') log.debug?.(line);
      else log.info(line);
    },
  });
}
