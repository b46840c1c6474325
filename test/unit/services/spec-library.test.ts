import { describe, expect, it } from 'vitest';
import type { SpecFacts } from '../../../src/domain/spec-catalog.js';
import { SpecLibrary, type ParsedSpecStore } from '../../../src/services/spec-library.js';
import { bundledCatalog } from '../../../src/services/bundled-catalog.js';
import { stubText } from '../../support/real-release.js';
import { releaseRecord } from '../../support/fixtures.js';

describe('SpecLibrary', () => {
  it('reads each spec once when many matches ask for it at the same time', async () => {
    const shas = (releaseRecord('3.0.20260429-3.0').changes ?? [])
      .map((c) => c.to_blob)
      .filter((sha): sha is string => sha !== null)
      .slice(0, 5);
    const asked: string[][] = [];
    const library = new SpecLibrary(bundledCatalog('3.0'), async (wanted) => {
      asked.push([...wanted]);
      await new Promise((r) => setTimeout(r, 20));
      return new Map(wanted.map((sha) => [sha, stubText(sha) ?? ''] as const));
    });
    await Promise.all([
      library.load(shas, (sha) => sha),
      library.load(shas.slice(0, 3), (sha) => sha),
      library.load(shas.slice(2), (sha) => sha),
    ]);
    expect(asked.flat().sort()).toEqual([...shas].sort());
    for (const sha of shas) expect(library.facts(sha)).not.toBeUndefined();
    await library.load(shas, (sha) => sha);
    expect(asked).toHaveLength(1);
  });

  it('keeps parsed facts in a store, so a later library reads no spec it parsed before', async () => {
    const shas = (releaseRecord('3.0.20260429-3.0').changes ?? [])
      .map((c) => c.to_blob)
      .filter((sha): sha is string => sha !== null)
      .slice(0, 4);
    const stored = new Map<string, SpecFacts | null>();
    const store: ParsedSpecStore = {
      get: (sha) => Promise.resolve(stored.get(sha)),
      put: (sha, facts) => {
        // As the cache keeps it: JSON, so nothing of the parse survives but the data.
        stored.set(sha, JSON.parse(JSON.stringify(facts)) as SpecFacts | null);
        return Promise.resolve();
      },
    };
    const reads: string[] = [];
    const reader = (wanted: readonly string[]) => {
      reads.push(...wanted);
      return Promise.resolve(new Map(wanted.map((sha) => [sha, stubText(sha) ?? ''] as const)));
    };
    const first = new SpecLibrary(bundledCatalog('3.0'), reader, store);
    await first.load(shas, (sha) => sha);
    expect([...stored.keys()].sort()).toEqual([...shas].sort());
    const second = new SpecLibrary(bundledCatalog('3.0'), reader, store);
    await second.load(shas, (sha) => sha);
    expect(reads).toHaveLength(shas.length);
    for (const sha of shas) expect(second.facts(sha)).toEqual(first.facts(sha));
    expect(second.version).toBe(first.version);
  });
});
