/**
 * `npm run bench`: matching throughput, reported as a ratio against a bare Map.get loop
 * over the same entries measured in the same run. These machines are shared and noisy,
 * so absolute numbers mean little; the ratio is what to compare between commits.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { changelogCves } from '../src/domain/changelog.js';
import { parseInventory } from '../src/domain/inventory/index.js';
import { matchInventory } from '../src/domain/match.js';
import { ReleaseIndex } from '../src/domain/release-index.js';
import { parseSpec } from '../src/domain/spec.js';
import type { ChangeSet, Inventory, SourceChange } from '../src/domain/types.js';
import { bundledCatalog } from '../src/services/bundled-catalog.js';
import { ReleaseContext } from '../src/services/release-context.js';
import { SpecLibrary } from '../src/services/spec-library.js';

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
    to_blob: string | null;
    cves: string[];
  }[];
}

const stub = (sha: string): string | undefined => {
  const file = `${fixtures}azurelinux-3.0/spec-stubs/${sha}.spec`;
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

/** The release as the product records it, from the real extracted data. */
function loadRelease(): { changeSet: ChangeSet; specs: Map<string, string> } {
  const releases = JSON.parse(
    readFileSync(`${fixtures}azurelinux-3.0/releases.json`, 'utf8'),
  ) as ReleaseRecord[];
  const record = releases.find((r) => r.tag === TAG)!;
  const binaries = new Map<string, string[]>();
  const specs = new Map<string, string>();
  for (const line of readFileSync(`${fixtures}azurelinux-3.0/packages-${TAG}.tsv`, 'utf8')
    .split('\n')
    .slice(1)) {
    const [source, , path, sha, bins] = line.split('\t');
    if (source && bins) binaries.set(source, bins.split(','));
    if (path && sha) specs.set(path, sha);
  }
  const changeSet: ChangeSet = {
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
    tree: null,
    titleSeverities: {},
    changes: (record.changes ?? []).map((c) => ({
      sourcePackage: c.source_package,
      kind: c.kind,
      from: c.from,
      to: c.to,
      specPath: c.spec_path,
      binaries: (binaries.get(c.source_package) ?? []).map((name) => ({ name, evr: c.to ?? '' })),
      cves: [],
      severity: 'unknown' as const,
      changelog: c.to_blob ? changelogCves(parseSpec(stub(c.to_blob) ?? '')) : [],
    })),
  };
  return { changeSet, specs };
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

const { changeSet, specs } = loadRelease();
const inventory = loadInventory();
const library = new SpecLibrary(bundledCatalog('3.0'), (shas) =>
  Promise.resolve(new Map(shas.map((sha) => [sha, stub(sha) ?? ''] as const))),
);
// One match through the service reads the changelogs of what is behind; the timed loop is
// then pure matching against a complete index, as in a fan-out after its first inventory.
await new ReleaseContext({ changeSet, specs, library }).match(inventory);
const index = new ReleaseIndex({
  changeSet,
  specs,
  facts: (sha) => library.facts(sha),
  guess: (path) => library.guess(path),
});
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
    for (let rep = 0; rep < MATCH_REPS; rep++) {
      const outcome = matchInventory(inventory, index);
      if (outcome.status !== 'done') throw new Error('bench: spec facts missing');
      affected += outcome.result.affected.length + outcome.result.behind.length;
    }
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
