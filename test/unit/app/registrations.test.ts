import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../src/app/functions.js';
import { lazyFunctions } from '../../../src/app/lazy-functions.js';
import { registrationOf } from '../../../src/app/registration.js';
import { REGISTRATIONS } from '../../../src/app/registrations.js';

/**
 * The Azure entry point registers src/app/registrations.ts, generated from the function
 * table, so that a cold start need not import the table. A stale file would register the
 * wrong routes: regenerate with `npm run build && node dist/scripts/generate-registrations.js`.
 */
describe('generated registrations', () => {
  it('are exactly the function table', () => {
    expect(REGISTRATIONS).toEqual(FUNCTIONS.map(registrationOf));
  });

  it('register every function of the table with the same options', () => {
    const lazy = lazyFunctions();
    expect(lazy.map(registrationOf)).toEqual(FUNCTIONS.map(registrationOf));
  });
});
