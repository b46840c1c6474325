/**
 * Writes src/app/registrations.ts from the function table (src/app/functions.ts), so the
 * Azure entry point can register every function without importing it. Run after changing
 * a function's name, route or schedule: `npm run build && node dist/scripts/generate-registrations.js`;
 * test/unit/app/registrations.test.ts fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS } from '../src/app/functions.js';
import { registrationsSource } from '../src/app/registrations-source.js';

const target = fileURLToPath(new URL('../../src/app/registrations.ts', import.meta.url));
writeFileSync(
  target,
  await format(registrationsSource(FUNCTIONS), {
    ...(await resolveConfig(target)),
    filepath: target,
  }),
);
console.log(`wrote ${FUNCTIONS.length} registrations to ${target}`);
