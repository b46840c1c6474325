import { describe, expect, it } from 'vitest';
import { applyFilters, mergeResults } from '../../src/domain/filters.js';
import type { AffectedPackage, MatchResult, Severity } from '../../src/domain/types.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import type { AnswerKey } from '../support/fixtures.js';

const answer = readAnswerKey(GEN2_CASE);

/** The answer key as a MatchResult; severities set by the test where it needs them. */
function result(severityOf: (source: string) => Severity = () => 'unknown'): MatchResult {
  const affected: AffectedPackage[] = answer.affected.map((a) => ({
    package: a.package,
    installed: a.installed,
    fixed: a.available,
    sourcePackage: a.source_package,
    cves: a.cves.map((id) => ({ id, severity: severityOf(a.source_package) })),
    severity: severityOf(a.source_package),
  }));
  return {
    release: {
      tag: '3.0.20260429-3.0',
      line: '3.0',
      publishedAt: '2026-04-29T00:00:00Z',
      url: 'u',
      previousTag: '3.0.20260414-3.0',
      compareUrl: null,
    },
    affected,
    untracked: ['blobfuse2'],
    summary: {
      affected: 0,
      cves: 0,
      bySeverity: { unknown: 0, low: 0, medium: 0, high: 0, critical: 0 },
    },
  };
}

const names = (r: MatchResult) => r.affected.map((p) => p.package).sort();
const keyNames = (keep: (a: AnswerKey['affected'][number]) => boolean) =>
  answer.affected
    .filter(keep)
    .map((a) => a.package)
    .sort();

describe('applyFilters on the gen2 × 3.0.20260429-3.0 answer key', () => {
  it('keeps everything without filters and recounts the summary', () => {
    const r = applyFilters(result(), {});
    expect(names(r)).toEqual(keyNames(() => true));
    expect(r.summary.affected).toBe(answer.affected.length);
    expect(r.summary.cves).toBe(new Set(answer.affected.flatMap((a) => a.cves)).size);
  });

  it('matches include globs against binary and source names', () => {
    expect(names(applyFilters(result(), { include: ['openssh*'] }))).toEqual(
      keyNames((a) => a.package.startsWith('openssh') || a.source_package.startsWith('openssh')),
    );
    // `systemd` names the source package, so every systemd subpackage comes along.
    expect(names(applyFilters(result(), { include: ['systemd'] }))).toEqual(
      keyNames((a) => a.source_package === 'systemd' || a.package === 'systemd'),
    );
  });

  it('drops excluded packages', () => {
    expect(names(applyFilters(result(), { exclude: ['kernel*', 'systemd'] }))).toEqual(
      keyNames(
        (a) =>
          !a.package.startsWith('kernel') &&
          !a.source_package.startsWith('kernel') &&
          a.source_package !== 'systemd',
      ),
    );
  });

  it('applies a minimum severity', () => {
    const severityOf = (s: string): Severity =>
      s === 'openssh' ? 'high' : s === 'sudo' ? 'medium' : 'unknown';
    const r = applyFilters(result(severityOf), { minSeverity: 'medium' });
    expect(names(r)).toEqual(
      keyNames((a) => a.source_package === 'openssh' || a.source_package === 'sudo'),
    );
    const opensshCves = new Set(
      answer.affected.filter((a) => a.source_package === 'openssh').flatMap((a) => a.cves),
    );
    expect(r.summary.bySeverity.high).toBe(opensshCves.size);
  });

  it('treats onlyWithCves as a gate', () => {
    const kernelOnly = applyFilters(result(), { include: ['kernel'], onlyWithCves: true });
    expect(answer.affected.find((a) => a.package === 'kernel')?.cves).toEqual([]);
    expect(kernelOnly.affected).toEqual([]);
    expect(names(applyFilters(result(), { onlyWithCves: true }))).toEqual(keyNames(() => true));
  });
});

describe('mergeResults', () => {
  it('lists a package installed in two node pools once and unions untracked names', () => {
    const a = result();
    const b = { ...result(), untracked: ['acr-mirror'] };
    const merged = mergeResults([a, b])!;
    expect(names(merged)).toEqual(keyNames(() => true));
    expect(merged.untracked).toEqual(['acr-mirror', 'blobfuse2']);
    expect(mergeResults([])).toBeUndefined();
  });
});
