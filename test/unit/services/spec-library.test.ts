import { describe, expect, it } from 'vitest';
import { SpecLibrary } from '../../../src/services/spec-library.js';
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
});
