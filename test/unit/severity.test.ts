import { describe, expect, it } from 'vitest';
import {
  maxSeverity,
  parseSeverity,
  severityHintsFromSubjects,
} from '../../src/domain/severity.js';
import { fixtureReleases } from '../support/fixtures.js';

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

describe('severityHintsFromSubjects on the 457 real commit subjects', () => {
  const hints = severityHintsFromSubjects(subjects);

  it('reads the example title from the data README', () => {
    const h = severityHintsFromSubjects([
      '[AutoPR- Security] Patch clamav for CVE-2026-33056, CVE-2026-33055 [MEDIUM] (#16751)',
    ]);
    expect([...h.byCve]).toEqual([
      ['CVE-2026-33056', 'medium'],
      ['CVE-2026-33055', 'medium'],
    ]);
    expect([...h.byPackage]).toEqual([['clamav', 'medium']]);
  });

  it('rates every CVE named in a subject that carries exactly one level marker', () => {
    // Independent check: plain substring tests per subject, worst level per CVE.
    const rank = ['[low]', '[medium]', '[high]', '[critical]'];
    const expected = new Map<string, number>();
    let singleMarker = 0;
    for (const s of subjects) {
      const lower = s.toLowerCase();
      const found = rank.filter((m) => lower.includes(m));
      const count = rank.reduce((n, m) => n + lower.split(m).length - 1, 0);
      if (count !== 1) continue;
      singleMarker++;
      for (const word of s.split(/[\s,()[\]"`&]+/)) {
        if (!word.toUpperCase().startsWith('CVE-')) continue;
        const id = word
          .toUpperCase()
          .replace(/[^A-Z0-9-]+$/, '')
          .replace(/\.$/, '');
        expected.set(id, Math.max(expected.get(id) ?? -1, rank.indexOf(found[0] ?? '')));
      }
    }
    expect(singleMarker).toBe(240);
    const names = ['low', 'medium', 'high', 'critical'];
    for (const [id, r] of expected) {
      // Multi-marker subjects may only raise a CVE's level.
      const got = hints.byCve.get(id);
      expect(got, id).toBeDefined();
      expect(names.indexOf(got ?? ''), id).toBeGreaterThanOrEqual(r);
    }
  });

  it('counts the level markers the subjects carry', () => {
    const count = (m: string): number => subjects.filter((s) => s.toLowerCase().includes(m)).length;
    expect([count('[critical]'), count('[high]'), count('[medium]'), count('[low]')]).toEqual([
      7, 89, 136, 14,
    ]);
    // Every subject with a marker and a CVE contributes; no CVE is invented.
    const named = new Set(
      subjects.flatMap((s) => s.toUpperCase().match(/CVE-\d{4}-\d{4,}/g) ?? []),
    );
    for (const id of hints.byCve.keys()) expect(named.has(id)).toBe(true);
  });

  it('attributes levels per CVE in titles naming several levels', () => {
    const h = severityHintsFromSubjects([
      'Merge PR "[AUTO-CHERRYPICK] Patch fluent-bit for CVE-2025-12977 [High] and CVE-2025-12969 [Medium] - branch 3.0-dev" #15308',
      '[AUTO-CHERRYPICK] [CRITICAL] Patch kata-containers for CVE-2026-24834 , [MEDIUM] CVE-2026-25727, CVE-2025-65637, CVE-2026-25541 and CVE-2025-11065 - branch 3.0-dev (#15991)',
      '[AutoPR- Security] Patch rpm-ostree for CVE-2026-25541 [MEDIUM], CVE-2025-58160 [LOW] (#15870)',
    ]);
    expect(h.byCve.get('CVE-2025-12977')).toBe('high');
    expect(h.byCve.get('CVE-2025-12969')).toBe('medium');
    expect(h.byCve.get('CVE-2026-24834')).toBe('critical');
    expect(h.byCve.get('CVE-2025-11065')).toBe('medium');
    expect(h.byCve.get('CVE-2026-25541')).toBe('medium');
    expect(h.byCve.get('CVE-2025-58160')).toBe('low');
    expect(h.byPackage.get('fluent-bit')).toBe('high');
    expect(h.byPackage.get('kata-containers')).toBe('critical');
    expect(h.byPackage.get('rpm-ostree')).toBe('medium');
  });

  it('recognises the package after "Patch"/"Upgrade" in the real subjects', () => {
    expect(hints.byPackage.get('bind')).toBe('high'); // "Upgrade `bind` to 9.20.21 for ... [HIGH]"
    expect(hints.byPackage.get('nasm')).toBe('medium'); // "[Medium] Patch nasm for CVE-2022-46456"
    expect(hints.byPackage.get('ntopng')).toBe('medium'); // "[Medium] patch ntopng for ..."
    expect(hints.byPackage.get('frr')).toBe('high'); // "[HIGH] Patch frr ..." beats a later "[LOW]"
    // Subjects without a level give no hint ("upgrade clamav to 1.5.2").
    expect(
      severityHintsFromSubjects([
        'Merge PR "[AUTO-CHERRYPICK] upgrade clamav to 1.5.2 - branch 3.0-dev" #16732',
      ]).byPackage.size,
    ).toBe(0);
  });
});
