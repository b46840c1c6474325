import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temporary file of a test run goes under one folder, removed when the run ends: the
 * tests make thousands (CLI caches, inventories, data dirs), and a test that fails before
 * its own cleanup must not leave them in /tmp either. os.tmpdir() reads TMPDIR on every
 * call, and the test workers and the processes they start inherit it.
 */
export default function setup(): () => void {
  const scratch = mkdtempSync(join(tmpdir(), 'azl-test-run-'));
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
}
