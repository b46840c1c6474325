import type { HostedFunction } from '../local/hosted-function.js';
import { registrationOf } from './registration.js';

/** The text of src/app/registrations.ts for a function table (generated, never hand-kept). */
export function registrationsSource(functions: readonly HostedFunction[]): string {
  const rows = functions.map((fn) => `  ${JSON.stringify(registrationOf(fn))},`).join('\n');
  return `// Generated from src/app/functions.ts by scripts/generate-registrations.ts: do not edit.
// test/unit/app/registrations.test.ts fails when it no longer matches the table.
import type { Registration } from './registration.js';

export const REGISTRATIONS: readonly Registration[] = [
${rows}
];
`;
}
