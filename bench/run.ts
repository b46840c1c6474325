/**
 * `npm run bench`: matching throughput, reported as a ratio against a bare Map.get loop
 * over the same entries measured in the same run. These machines are shared and noisy,
 * so absolute numbers mean little; the ratio is what to compare between commits.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInventory } from '../src/domain/inventory/index.js';
import { matchInventory } from '../src/domain/match.js';
import { bundledBinaryIndex } from '../src/services/bundled-index.js';
import type { ChangeSet, Inventory, SourceChange } from '../src/domain/types.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const TAG = '3.0.20260429-3.0';
const ENTRIES = 20_000; // the largest inventory the product accepts
const ROUNDS = 7;
/** Calls per round, so one round lasts long enough to time (and the JIT has warmed up). */
const MATCH_REPS = 10;

interface ReleaseRecord {
  tag: string;
  date: string;
  previous_tag?: string;
  changes?: {
    source_package: string;
    kind: SourceChange['kind'];
    from: string | null;
    to: string | null;
    spec_path: string;
    cves: string[];
  }[];
}

function loadChangeSet(): ChangeSet {
  const releases = JSON.parse(
    readFileSync(`${fixtures}azurelinux-3.0/releases.json`, 'utf8'),
  ) as ReleaseRecord[];
  const record = releases.find((r) => r.tag === TAG)!;
  const binaries = new Map<string, string[]>();
  for (const line of readFileSync(`${fixtures}azurelinux-3.0/packages-${TAG}.tsv`, 'utf8')
    .split('\n')
    .slice(1)) {
    const [source, , , , bins] = line.split('\t');
    if (source && bins) binaries.set(source, bins.split(','));
  }
  return {
    release: {
      tag: TAG,
      line: '3.0',
      publishedAt: record.date,
      url: '',
      draft: false,
      prerelease: false,
    },
    previousTag: record.previous_tag ?? null,
    dist: '.azl3',
    compareUrl: null,
    changes: (record.changes ?? []).map((c) => ({
      sourcePackage: c.source_package,
      kind: c.kind,
      from: c.from,
      to: c.to,
      specPath: c.spec_path,
      binaries: (binaries.get(c.source_package) ?? []).map((name) => ({ name, evr: c.to ?? '' })),
      cves: c.cves.map((id) => ({ id, severity: 'unknown' as const })),
      severity: 'unknown' as const,
    })),
  };
}

/**
 * The real gen2 node inventory repeated up to ENTRIES packages, like a fleet's lists
 * concatenated: the same mix of hits, misses and untracked packages as on a real node.
 */
function loadInventory(): Inventory {
  const real = readFileSync(
    `${fixtures}inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt`,
    'utf8',
  )
    .split('\n')
    .filter(Boolean);
  const lines: string[] = [];
  while (lines.length < ENTRIES) {
    for (const line of real) {
      if (lines.length === ENTRIES) break;
      lines.push(line);
    }
  }
  return parseInventory(lines.join('\n'));
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

const changeSet = loadChangeSet();
const lookup = bundledBinaryIndex('3.0');
const inventory = loadInventory();
const names = inventory.packages.map((p) => p.name);
const baselineMap = new Map(
  changeSet.changes.flatMap((c) => c.binaries.map((b) => [b.name, c] as const)),
);

const matchRates: number[] = [];
const baselineRates: number[] = [];
let sink = 0;
for (let round = 0; round < ROUNDS; round++) {
  const base = timeIt(() => {
    let hits = 0;
    for (let rep = 0; rep < 50; rep++)
      for (const n of names) if (baselineMap.get(n) !== undefined) hits++;
    return hits;
  });
  baselineRates.push((names.length * 50) / base.seconds);
  const match = timeIt(() => {
    let affected = 0;
    for (let rep = 0; rep < MATCH_REPS; rep++)
      affected += matchInventory(inventory, changeSet, lookup).affected.length;
    return affected;
  });
  matchRates.push((names.length * MATCH_REPS) / match.seconds);
  sink += base.sink + match.sink;
}

const matchRate = median(matchRates);
const baselineRate = median(baselineRates);
console.log(
  `inventory entries: ${names.length}, changed source packages: ${changeSet.changes.length}, rounds: ${ROUNDS} (median)`,
);
console.log(`matchInventory:      ${Math.round(matchRate).toLocaleString('en-US')} entries/s`);
console.log(`baseline Map.get:    ${Math.round(baselineRate).toLocaleString('en-US')} entries/s`);
console.log(
  `ratio (match / Map.get): ${(matchRate / baselineRate).toFixed(4)}  (1/${(baselineRate / matchRate).toFixed(1)})`,
);
if (sink < 0) console.log(sink); // keeps the loops from being optimised away
