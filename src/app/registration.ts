import type { HostedFunction } from '../local/hosted-function.js';

/**
 * What the Functions host indexes about one function, without its handler: the names,
 * routes and schedules of src/app/functions.ts, as src/app/registrations.ts lists them.
 */
export type Registration =
  | { name: string; trigger: 'http'; methods: string[]; route: string; authLevel: string }
  | { name: string; trigger: 'timer'; schedule: string }
  | { name: string; trigger: 'eventGrid' };

/** The registration of one function of the table (scripts/generate-registrations.ts). */
export function registrationOf(fn: HostedFunction): Registration {
  switch (fn.trigger) {
    case 'http':
      return {
        name: fn.name,
        trigger: 'http',
        methods: [...(fn.options.methods ?? [])],
        route: fn.options.route ?? fn.name,
        authLevel: fn.options.authLevel ?? 'anonymous',
      };
    case 'timer':
      return { name: fn.name, trigger: 'timer', schedule: fn.options.schedule };
    case 'eventGrid':
      return { name: fn.name, trigger: 'eventGrid' };
  }
}
