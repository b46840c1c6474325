import type { MatchResult, PackageUpdate, Severity } from '../../src/domain/types.js';
import { SEVERITIES } from '../../src/domain/types.js';
import type { NotificationContext } from '../../src/notify/context.js';
import { GEN2_CASE, readAnswerKey, releaseRecord } from '../support/fixtures.js';
import type { FixtureRelease } from '../support/fixtures.js';

/**
 * MatchResults built straight from the real answer keys and release records in
 * test/fixtures, so notifier tests run on real package names, versions and CVE ids
 * without depending on the matcher.
 */
const rank = (s: Severity) => SEVERITIES.indexOf(s);
const worse = (a: Severity, b: Severity): Severity => (rank(a) >= rank(b) ? a : b);

/**
 * Severities as Azure Linux's own security PR titles state them, e.g.
 * `[AutoPR- Security] Patch sudo for CVE-2026-35535 [HIGH] (#16694)`. CVEs no title rates
 * stay `unknown`, as the product reports them.
 */
function severitiesFromCommitSubjects(record: FixtureRelease): Map<string, Severity> {
  const out = new Map<string, Severity>();
  for (const { subject } of record.commits ?? []) {
    const tag = /\[(critical|high|medium|low)\]/i.exec(subject)?.[1]?.toLowerCase() as
      Severity | undefined;
    if (!tag) continue;
    for (const id of subject.match(/CVE-\d{4}-\d+/g) ?? []) {
      out.set(id, worse(out.get(id) ?? 'unknown', tag));
    }
  }
  return out;
}

export function matchResultFromAnswerKey(file: string): MatchResult {
  const key = readAnswerKey(file);
  const record = releaseRecord(key.release);
  const severityOf = severitiesFromCommitSubjects(record);
  const toUpdate = (a: (typeof key.behind)[number]): PackageUpdate => {
    const cves = a.cves.map((id) => {
      const severity = severityOf.get(id) ?? 'unknown';
      return {
        id,
        severity,
        severitySource: severity === 'unknown' ? null : ('pr-title' as const),
        sources: ['changelog' as const],
      };
    });
    return {
      package: a.package,
      installed: a.installed,
      fixed: a.available,
      sourcePackage: a.source_package,
      cves,
      severity: cves.reduce<Severity>((s, c) => worse(s, c.severity), 'unknown'),
    };
  };
  return withSummary(
    {
      tag: record.tag,
      line: '3.0',
      publishedAt: new Date(record.date).toISOString(),
      url: `https://github.com/microsoft/azurelinux/releases/tag/${record.tag}`,
      previousTag: record.previous_tag ?? null,
      compareUrl: record.previous_tag
        ? `https://github.com/microsoft/azurelinux/compare/${record.previous_tag}...${record.tag}`
        : null,
    },
    key.affected.map(toUpdate),
    [],
    key.behind.filter((b) => !b.changed_in_release).map(toUpdate),
  );
}

/** Builds the summary the matcher would: distinct CVEs, each at its worst severity. */
export function withSummary(
  release: MatchResult['release'],
  affected: PackageUpdate[],
  untracked: string[] = [],
  behind: PackageUpdate[] = [],
): MatchResult {
  const count = (updates: PackageUpdate[]) => {
    const worst = new Map<string, Severity>();
    for (const a of updates) {
      for (const c of a.cves) worst.set(c.id, worse(worst.get(c.id) ?? 'unknown', c.severity));
    }
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<
      Severity,
      number
    >;
    for (const s of worst.values()) bySeverity[s]++;
    return { cves: worst.size, bySeverity };
  };
  return {
    release,
    affected,
    behind,
    replaced: [],
    noLongerShipped: [],
    untracked,
    unknown: [],
    notices: [],
    summary: {
      current: 0,
      affected: affected.length,
      behind: behind.length,
      replaced: 0,
      noLongerShipped: 0,
      untracked: untracked.length,
      unknown: 0,
      ...count([...affected, ...behind]),
      release: count(affected),
      unfixed: count([]),
    },
  };
}

/** A synthetic match of `count` packages across many sources, for size limits. */
export function syntheticMatch(count: number): MatchResult {
  const base = matchResultFromAnswerKey(GEN2_CASE);
  const sevs: Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];
  const affected: PackageUpdate[] = Array.from({ length: count }, (_, i) => {
    const severity = sevs[i % sevs.length] ?? 'unknown';
    return {
      package: `synthetic-package-${String(i).padStart(3, '0')}-libs`,
      installed: `1.${i}.0-1.azl3`,
      fixed: `1.${i}.0-2.azl3`,
      sourcePackage: `synthetic-source-${String(i).padStart(3, '0')}`,
      cves: Array.from({ length: (i % 4) + 1 }, (_, j) => ({
        id: `CVE-2026-${10000 + i * 4 + j}`,
        severity,
        severitySource: 'oval' as const,
        sources: ['changelog' as const],
      })),
      severity,
    };
  });
  return withSummary(base.release, affected);
}

export function contextFor(result: MatchResult, name = 'aks-prod-weu'): NotificationContext {
  return {
    subscriptionName: name,
    result,
    links: {
      fullList: `https://azl-notifier.example.com/api/subscriptions/sub-123/preview?release=${result.release.tag}&channel=email`,
      unsubscribe: 'https://azl-notifier.example.com/api/unsubscribe?token=signed.token.value',
      manage: 'https://azl-notifier.example.com/subscriptions/sub-123',
    },
  };
}
