/**
 * `npm run bench`: matching throughput, reported as a ratio against a bare Map.get loop
 * over the same entries measured in the same run. These machines are shared and noisy,
 * so absolute numbers mean little; the ratio is what to compare between commits.
 *
 * Two inventories, against the real 3.0.20260429-3.0 release: a fleet's (the real gen2 node
 * list repeated to 20,000 entries, the most the product accepts) and the real 391-package
 * gen2 node list itself, each matched as a new parse would hand it over.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInventory } from '../src/domain/inventory/index.js';
import { matchInventory } from '../src/domain/match.js';
import { ReleaseIndex } from '../src/domain/release-index.js';
import type { Inventory } from '../src/domain/types.js';
import { ReleaseContext } from '../src/services/release-context.js';
import { realRelease } from '../test/support/real-release.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const TAG = '3.0.20260429-3.0';
const ENTRIES = 20_000; // the largest inventory the product accepts
const ROUNDS = 7;

const realLines = readFileSync(
  `${fixtures}inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt`,
  'utf8',
)
  .split('\n')
  .filter(Boolean);

/**
 * The real gen2 node inventory repeated up to ENTRIES packages, like a fleet's lists
 * concatenated: the same mix of hits, misses and untracked packages as on a real node.
 */
function fleetInventory(): Inventory {
  const lines: string[] = [];
  while (lines.length < ENTRIES) {
    for (const line of realLines) {
      if (lines.length === ENTRIES) break;
      lines.push(line);
    }
  }
  // Built directly: parsing would count the repeated lines once, and this measures the loop.
  return { format: 'rpm-qa', packages: lines.map((l) => parseInventory(l).packages[0]!) };
}

function timeIt(fn: () => number): { seconds: number; sink: number } {
  const start = process.hrtime.bigint();
  const sink = fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, sink };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const { changeSet, specs, library } = realRelease(TAG);
const baselineMap = new Map(
  changeSet.changes.flatMap((c) => c.binaries.map((b) => [b.name, c] as const)),
);
// One match through the service reads the changelogs of what is behind; the timed loop is
// then pure matching against a complete index, as in a fan-out after its first inventory.
const fleet = fleetInventory();
await new ReleaseContext({ changeSet, specs, library }).match(fleet);
const index = new ReleaseIndex({
  changeSet,
  specs,
  facts: (sha) => library.facts(sha),
  guess: (path) => library.guess(path),
});

/** Entries per second of matching and of the Map.get loop, rounds alternating between them. */
function measure(label: string, copies: Inventory[]): void {
  const names = copies[0]!.packages.map((p) => p.name);
  // Enough calls per round to last a few milliseconds on either inventory.
  const reps = Math.max(10, Math.round(200_000 / names.length));
  const matchRates: number[] = [];
  const baselineRates: number[] = [];
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const base = timeIt(() => {
      let hits = 0;
      for (let rep = 0; rep < reps; rep++)
        for (const n of names) if (baselineMap.get(n) !== undefined) hits++;
      return hits;
    });
    baselineRates.push((names.length * reps) / base.seconds);
    const match = timeIt(() => {
      let found = 0;
      for (let rep = 0; rep < reps; rep++) {
        // A different object each call, as each stored inventory is parsed anew.
        const outcome = matchInventory(copies[rep % copies.length]!, index);
        if (outcome.status !== 'done') throw new Error('bench: spec facts missing');
        found += outcome.result.affected.length + outcome.result.behind.length;
      }
      return found;
    });
    matchRates.push((names.length * reps) / match.seconds);
    sink += base.sink + match.sink;
  }
  const matchRate = median(matchRates);
  const baselineRate = median(baselineRates);
  console.log(
    `${label}: ${names.length} entries, ${reps} calls per round, ${ROUNDS} rounds (median)`,
  );
  console.log(`  matchInventory:   ${Math.round(matchRate).toLocaleString('en-US')} entries/s`);
  console.log(`  baseline Map.get: ${Math.round(baselineRate).toLocaleString('en-US')} entries/s`);
  console.log(
    `  ratio (match / Map.get): ${(matchRate / baselineRate).toFixed(4)}  (1/${(baselineRate / matchRate).toFixed(1)})`,
  );
  if (sink < 0) console.log(sink); // keeps the loops from being optimised away
}

const realText = `${realLines.join('\n')}\n`;
console.log(`release ${TAG}: ${changeSet.changes.length} changed source packages`);
measure('fleet inventory', [fleet]);
measure(
  'real gen2 inventory',
  Array.from({ length: 8 }, () => parseInventory(realText)),
);
