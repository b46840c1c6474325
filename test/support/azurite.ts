import { startAzurite } from '../../src/local/azurite.js';
import type { RunningAzurite } from '../../src/local/azurite.js';

export type { RunningAzurite };

/** A fresh in-memory Azurite on a free loopback port, for one test file. */
export function startTestAzurite(): Promise<RunningAzurite> {
  return startAzurite({ port: 0 });
}
