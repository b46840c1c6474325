import { describe, expect, it } from 'vitest';
import { applyFilters, mergeResults } from '../../../src/domain/filters.js';
import type { MatchResult, PackageUpdate, Severity } from '../../../src/domain/types.js';
import { GEN2_CASE, readAnswerKey } from '../../support/fixtures.js';
import type { AnswerKey } from '../../support/fixtures.js';

const answer = readAnswerKey(GEN2_CASE);

/** The answer key as a MatchResult; severities set by the test where it needs them. */
function result(severityOf: (source: string) => Severity = () => 'unknown'): MatchResult {
  const update = (a: AnswerKey['behind'][number]): PackageUpdate => ({
    package: a.package,
    installed: a.installed,
    fixed: a.available,
    sourcePackage: a.source_package,
    cves: a.cves.map((id) => ({
      id,
      severity: severityOf(a.source_package),
      severitySource: null,
      sources: ['changelog'],
    })),
    severity: severityOf(a.source_package),
  });
  const affected = answer.affected.map(update);
  const behind = answer.behind.filter((b) => !b.changed_in_release).map(update);
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
    behind,
    replaced: [],
    noLongerShipped: [],
    untracked: ['blobfuse2'],
    unknown: [],
    notices: [],
    summary: {
      current: 0,
      affected: 0,
      behind: 0,
      replaced: 0,
      noLongerShipped: 0,
      untracked: 1,
      unknown: 0,
      cves: 0,
      bySeverity: { unknown: 0, low: 0, medium: 0, high: 0, critical: 0 },
      release: { cves: 0, bySeverity: { unknown: 0, low: 0, medium: 0, high: 0, critical: 0 } },
      unfixed: { cves: 0, bySeverity: { unknown: 0, low: 0, medium: 0, high: 0, critical: 0 } },
    },
  };
}

const names = (r: MatchResult) => r.affected.map((p) => p.package).sort();
const behindNames = (r: MatchResult) => r.behind.map((p) => p.package).sort();
const behindKey = (keep: (a: AnswerKey['behind'][number]) => boolean) =>
  answer.behind
    .filter((b) => !b.changed_in_release && keep(b))
    .map((b) => b.package)
    .sort();
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
    expect(behindNames(r)).toEqual(behindKey(() => true));
    expect(r.summary.behind).toBe(9);
    expect(r.summary.release.cves).toBe(new Set(answer.affected.flatMap((a) => a.cves)).size);
    expect(r.summary.cves).toBe(new Set(answer.behind.flatMap((a) => a.cves)).size);
    expect([r.summary.release.cves, r.summary.cves]).toEqual([19, 35]);
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

  it('narrows the behind list the same way', () => {
    expect(behindNames(applyFilters(result(), { include: ['curl*'] }))).toEqual(
      behindKey((b) => b.source_package === 'curl'),
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

  it('takes "any" as everything and "unknown" as "fixes a CVE"', () => {
    expect(names(applyFilters(result(), { minSeverity: 'any' }))).toEqual(keyNames(() => true));
    expect(names(applyFilters(result(), { minSeverity: 'unknown' }))).toEqual(
      keyNames((a) => a.cves.length > 0),
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
