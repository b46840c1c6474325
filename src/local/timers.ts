import { CronExpressionParser } from 'cron-parser';
import type { Timer } from '@azure/functions';
import { ConfigError } from '../errors.js';
import { invocationContext, type HostedFunction, type HostLog } from './hosted-function.js';

export interface RunningTimer {
  name: string;
  schedule: string;
  next(): Date | undefined;
}

/**
 * Runs the timer functions on their NCRONTAB schedules (six fields, seconds first, UTC),
 * resolving `%SETTING%` from the settings as the host does. Like the host, a run that is
 * still going when the next one is due makes that one wait rather than overlap.
 */
export function startTimers(
  functions: readonly HostedFunction[],
  setting: (name: string) => string | undefined,
  log: HostLog,
): { timers: RunningTimer[]; stop(): Promise<void> } {
  const handles = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  const timers: RunningTimer[] = [];

  for (const fn of functions) {
    if (fn.trigger !== 'timer') continue;
    const schedule = resolveSetting(fn.options.schedule, setting);
    const expression = CronExpressionParser.parse(schedule, { tz: 'UTC' });
    let nextAt: Date | undefined = expression.next().toDate();
    let last: Date | undefined;
    const arm = () => {
      if (stopped || !nextAt) return;
      // setTimeout caps at ~24.8 days; re-arm in steps for sparse schedules.
      const wait = Math.min(Math.max(0, nextAt.getTime() - Date.now()), 2 ** 31 - 1);
      handles.set(fn.name, setTimeout(fire, wait));
    };
    const fire = () => {
      if (stopped || !nextAt) return;
      if (Date.now() < nextAt.getTime()) return arm();
      const due = nextAt;
      nextAt = expression.next().toDate();
      const timer: Timer = {
        isPastDue: Date.now() - due.getTime() > 1000,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: (last ?? due).toISOString(),
          next: nextAt.toISOString(),
          lastUpdated: new Date().toISOString(),
        },
      };
      last = due;
      const context = invocationContext(fn.name, log);
      const run = Promise.resolve()
        .then(() => fn.options.handler(timer, context))
        .catch((err: unknown) =>
          log.error(`[${fn.name}] failed: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => {
          inFlight.delete(run);
          arm();
        });
      inFlight.add(run);
    };
    arm();
    timers.push({ name: fn.name, schedule, next: () => nextAt });
  }

  return {
    timers,
    async stop() {
      stopped = true;
      for (const handle of handles.values()) clearTimeout(handle);
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** `%NAME%` → the setting's value, as the Functions host resolves binding expressions. */
export function resolveSetting(
  value: string,
  setting: (name: string) => string | undefined,
): string {
  return value.replace(/%(\w+)%/g, (_, name: string) => {
    const resolved = setting(name);
    if (!resolved) throw new ConfigError(`setting ${name} is not set`);
    return resolved;
  });
}
