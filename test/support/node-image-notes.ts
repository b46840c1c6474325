/**
 * What the real AgentBaker release notes in test/fixtures/aks-node-images say, read here
 * without the product's parsers so tests can check the product against them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareEvr, parseEvr } from '../../src/domain/rpmvercmp.js';
import { FIXTURES, GEN2_CASE, readAnswerKey } from './fixtures.js';

export const GEN2_DIR = 'AKSAzureLinuxV3/gen2';
export const GEN2_NOTES = join(FIXTURES, 'aks-node-images', GEN2_DIR);

/**
 * Whether an image's notes list `pkg` at or above `version` (rpm -qa lines, which hide
 * epochs: the wanted version's epoch is taken, as rpm -qa lists are read).
 */
export function carries(image: string, pkg: string, version: string, dir = GEN2_NOTES): boolean {
  const text = readFileSync(join(dir, `${image}.txt`), 'utf8');
  const want = parseEvr(version);
  return text.split('\n').some((line) => {
    const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)$/.exec(line.trim());
    if (!m || m[1] !== pkg) return false;
    const have = parseEvr(`${m[2]}-${m[3]}`);
    return compareEvr({ ...have, epoch: want.epoch }, want) >= 0;
  });
}

/**
 * The updates gen2 202604.13.0 misses as of 3.0.20260429-3.0 (the answer key, librpm) that
 * an image's notes carry: what upgrading that pool to the image fixes.
 */
export function gen2FixesIn(image: string): string[] {
  return readAnswerKey(GEN2_CASE)
    .behind.filter((p) => carries(image, p.package, p.available))
    .map((p) => p.package);
}
