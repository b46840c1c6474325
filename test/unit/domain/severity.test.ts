import { describe, expect, it } from 'vitest';
import {
  THRESHOLDS,
  hintFor,
  maxSeverity,
  parseSeverity,
  reachesThreshold,
  severityHintsFromSubjects,
} from '../../../src/domain/severity.js';
import type { SeverityHints } from '../../../src/domain/severity.js';
import type { Severity } from '../../../src/domain/types.js';
import { fixtureReleases } from '../../support/fixtures.js';

const subjects = fixtureReleases().flatMap((r) => (r.commits ?? []).map((c) => c.subject));

describe('parseSeverity / maxSeverity', () => {
  it('accepts the levels and vendor synonyms, case-insensitively', () => {
    expect(parseSeverity('HIGH')).toBe('high');
    expect(parseSeverity(' Critical ')).toBe('critical');
    expect(parseSeverity('Moderate')).toBe('medium');
    expect(parseSeverity('Important')).toBe('high');
    expect(parseSeverity('low')).toBe('low');
    expect(parseSeverity('unknown')).toBe('unknown');
    expect(parseSeverity('urgent')).toBeNull();
  });

  it('orders unknown < low < medium < high < critical', () => {
    expect(maxSeverity()).toBe('unknown');
    expect(maxSeverity('unknown', 'low')).toBe('low');
    expect(maxSeverity('high', 'medium', 'critical', 'low')).toBe('critical');
    expect(maxSeverity('medium', 'unknown')).toBe('medium');
  });
});

/** Hints flattened to `package CVE` → level, to compare against plain expectations. */
function flat(hints: SeverityHints): Map<string, string> {
  return new Map(
    Object.entries(hints).flatMap(([pkg, cves]) =>
      Object.entries(cves).map(([id, level]) => [`${pkg} ${id}`, level] as const),
    ),
  );
}

describe('severityHintsFromSubjects on the 457 real commit subjects', () => {
  const hints = severityHintsFromSubjects(subjects);

  it('reads the example title from the data README, for the package it names', () => {
    const h = severityHintsFromSubjects([
      '[AutoPR- Security] Patch clamav for CVE-2026-33056, CVE-2026-33055 [MEDIUM] (#16751)',
    ]);
    expect(h).toEqual({ clamav: { 'CVE-2026-33056': 'medium', 'CVE-2026-33055': 'medium' } });
    expect(hintFor(h, 'clamav', 'CVE-2026-33056')).toBe('medium');
    expect(hintFor(h, 'rust', 'CVE-2026-33056')).toBeNull();
  });

  it('rates every CVE named in a subject that carries exactly one level marker, for its package', () => {
    // Independent check: plain substring tests per subject, worst level per (package, CVE);
    // the package is the word after "patch" or "upgrade".
    const rank = ['[low]', '[medium]', '[high]', '[critical]'];
    const expected = new Map<string, number>();
    let singleMarker = 0;
    for (const s of subjects) {
      const lower = s.toLowerCase();
      const found = rank.filter((m) => lower.includes(m));
      const count = rank.reduce((n, m) => n + lower.split(m).length - 1, 0);
      if (count !== 1) continue;
      singleMarker++;
      const words = s.split(/[\s,()[\]"&]+/);
      const at = words.findIndex((w) => /^(patch|upgrade)$/i.test(w));
      const pkg = (words[at + 1] ?? '').replaceAll('`', '').toLowerCase();
      for (const word of words) {
        if (!word.toUpperCase().startsWith('CVE-')) continue;
        const id = word
          .toUpperCase()
          .replace(/[^A-Z0-9-]+$/, '')
          .replace(/\.$/, '');
        const key = `${pkg} ${id}`;
        expected.set(key, Math.max(expected.get(key) ?? -1, rank.indexOf(found[0] ?? '')));
      }
    }
    expect(singleMarker).toBe(240);
    const names = ['low', 'medium', 'high', 'critical'];
    const got = flat(hints);
    for (const [key, r] of expected) {
      // Multi-marker subjects may only raise a CVE's level.
      expect(got.get(key), key).toBeDefined();
      expect(names.indexOf(got.get(key) ?? ''), key).toBeGreaterThanOrEqual(r);
    }
  });

  it('counts the level markers the subjects carry, and invents no CVE', () => {
    const count = (m: string): number => subjects.filter((s) => s.toLowerCase().includes(m)).length;
    expect([count('[critical]'), count('[high]'), count('[medium]'), count('[low]')]).toEqual([
      7, 89, 136, 14,
    ]);
    const named = new Set(
      subjects.flatMap((s) => s.toUpperCase().match(/CVE-\d{4}-\d{4,}/g) ?? []),
    );
    for (const key of flat(hints).keys()) expect(named.has(key.split(' ')[1] ?? '')).toBe(true);
  });

  it('attributes levels per CVE in titles naming several levels', () => {
    const h = severityHintsFromSubjects([
      'Merge PR "[AUTO-CHERRYPICK] Patch fluent-bit for CVE-2025-12977 [High] and CVE-2025-12969 [Medium] - branch 3.0-dev" #15308',
      '[AUTO-CHERRYPICK] [CRITICAL] Patch kata-containers for CVE-2026-24834 , [MEDIUM] CVE-2026-25727, CVE-2025-65637, CVE-2026-25541 and CVE-2025-11065 - branch 3.0-dev (#15991)',
      '[AutoPR- Security] Patch rpm-ostree for CVE-2026-25541 [MEDIUM], CVE-2025-58160 [LOW] (#15870)',
    ]);
    expect(h['fluent-bit']).toEqual({ 'CVE-2025-12977': 'high', 'CVE-2025-12969': 'medium' });
    expect(h['kata-containers']?.['CVE-2026-24834']).toBe('critical');
    expect(h['kata-containers']?.['CVE-2025-11065']).toBe('medium');
    expect(h['kata-containers']?.['CVE-2026-25541']).toBe('medium');
    // The same CVE in another package's title keeps that title's level there.
    expect(h['rpm-ostree']).toEqual({ 'CVE-2026-25541': 'medium', 'CVE-2025-58160': 'low' });
  });

  it('recognises the package after "Patch"/"Upgrade" in the real subjects', () => {
    expect(Object.values(hints.bind ?? {})).toContain('high'); // "Upgrade `bind` to 9.20.21 for ... [HIGH]"
    expect(Object.values(hints.nasm ?? {})).toEqual(['medium']); // "[Medium] Patch nasm for CVE-2022-46456"
    expect(Object.values(hints.ntopng ?? {})).toContain('medium'); // "[Medium] patch ntopng for ..."
    // Subjects without a level give no hint ("upgrade clamav to 1.5.2").
    expect(
      severityHintsFromSubjects([
        'Merge PR "[AUTO-CHERRYPICK] upgrade clamav to 1.5.2 - branch 3.0-dev" #16732',
      ]),
    ).toEqual({});
    // Nor does a level without a CVE: it rates nothing a package fixes.
    expect(severityHintsFromSubjects(['[HIGH] Patch kernel for something (#1)'])).toEqual({});
  });
});

describe('the --fail-on / minSeverity ladder', () => {
  const update = (...severities: Severity[]) => ({
    cves: severities.map((severity) => ({ severity })),
  });

  it('orders the levels any < unknown < low < medium < high < critical', () => {
    expect(THRESHOLDS).toEqual(['any', 'unknown', 'low', 'medium', 'high', 'critical']);
  });

  it('"any" takes every update, "unknown" any CVE, a severity a CVE at least that severe', () => {
    expect(reachesThreshold(update(), 'any')).toBe(true);
    expect(reachesThreshold(update(), 'unknown')).toBe(false);
    expect(reachesThreshold(update('unknown'), 'unknown')).toBe(true);
    expect(reachesThreshold(update('unknown'), 'low')).toBe(false);
    expect(reachesThreshold(update('low', 'medium'), 'medium')).toBe(true);
    expect(reachesThreshold(update('low', 'medium'), 'high')).toBe(false);
    expect(reachesThreshold(update('critical'), 'critical')).toBe(true);
  });
});
