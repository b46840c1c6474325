/**
 * A whole release as a reader of the monthly news wants it, with no inventory: what it
 * updated, added and removed, the CVEs it fixes by severity, the notable updates, and every
 * change grouped by severity.
 *
 * "Notable" is decided here, from the change set alone, to stay a short list a person reads:
 * - the kernel: one entry for every spec named `kernel` or `kernel-*` (headers, signed, HWE,
 *   MSHV, UVM…), led by `kernel` itself, the other versions it moved listed with it;
 * - the toolchains and language runtimes, which rebuild or break other software: gcc,
 *   glibc, binutils, LLVM/clang, Go, Rust, Node.js, Python, Perl, Ruby, PHP, Java, .NET,
 *   Erlang;
 * - the packages the news would name for security: updates fixing a critical or high CVE, or
 *   five CVEs or more, worst and largest first, at most eight (the rest are counted, and all
 *   are in the full list).
 * CVEs are recomputed with the OVAL feed, as matching does: it adds fixes that changelogs
 * leave out (the kernel's) and its severities win over PR titles.
 */
import { withDist } from '../domain/changeset.js';
import { countCves, releaseFacts } from '../domain/match.js';
import { fixedCves } from '../domain/fixes.js';
import type { OvalIndex } from '../domain/oval.js';
import { parseEvr } from '../domain/rpmvercmp.js';
import { maxSeverity, severityRank, SEVERITIES_WORST_FIRST } from '../domain/severity.js';
import type {
  ChangeSet,
  CveRef,
  CveSummary,
  MatchResult,
  Severity,
  SourceChange,
} from '../domain/types.js';

export interface ReleaseChange {
  sourcePackage: string;
  kind: SourceChange['kind'];
  from: string | null;
  to: string | null;
  cves: CveRef[];
  severity: Severity;
}

export interface NotableUpdate {
  /** What the entry is about: `kernel`, a toolchain's package, or a security update. */
  why: 'kernel' | 'toolchain' | 'security';
  /** The packages that moved together (kernel family), or the one package; the lead first. */
  packages: string[];
  from: string | null;
  to: string | null;
  cves: CveRef[];
  severity: Severity;
  /** Kernel variants that moved to other versions (kernel-hwe, kernel-mshv…), one each. */
  also: { packages: string[]; from: string | null; to: string | null }[];
}

export interface ReleaseSummary {
  release: MatchResult['release'];
  counts: { updated: number; added: number; removed: number } & CveSummary;
  notable: NotableUpdate[];
  /** Security updates past the notable list's eight (they are in `groups`). */
  moreSecurity: number;
  /** Every change, worst severity first; `none` holds the changes that name no CVE. */
  groups: { severity: Severity | 'none'; changes: ReleaseChange[] }[];
}

const TOOLCHAINS =
  /^(gcc|glibc|binutils|llvm\d*|clang\d*|golang|msft-golang|rust|nodejs\d*|python3(\.\d+)?|perl|ruby|php|openjdk\d*|msopenjdk-\d+|dotnet\d*|erlang)$/;
const isKernel = (name: string) => name === 'kernel' || name.startsWith('kernel-');
/** Five CVEs or more make a security update newsworthy whatever their rating. */
const MANY_CVES = 5;

export function summarizeRelease(
  changeSet: ChangeSet,
  oval: OvalIndex | undefined,
): ReleaseSummary {
  const changes = changeSet.changes.map((c) => withFeed(c, changeSet, oval));
  const count = (kind: SourceChange['kind']) => changes.filter((c) => c.kind === kind).length;
  return {
    release: releaseFacts(changeSet),
    counts: {
      updated: count('updated'),
      added: count('added'),
      removed: count('removed'),
      ...countCves(changes),
    },
    ...notable(changes),
    groups: groups(changes),
  };
}

/** The change's CVEs as a machine at the previous version gains them, with the feed. */
function withFeed(
  change: SourceChange,
  changeSet: ChangeSet,
  oval: OvalIndex | undefined,
): ReleaseChange {
  const cves =
    change.to === null
      ? []
      : fixedCves(
          change.sourcePackage,
          change.changelog,
          change.from === null ? null : withDist(parseEvr(change.from), changeSet.dist),
          withDist(parseEvr(change.to), changeSet.dist),
          { oval, hints: changeSet.titleSeverities },
        );
  return {
    sourcePackage: change.sourcePackage,
    kind: change.kind,
    from: change.from,
    to: change.to,
    cves,
    severity: maxSeverity(...cves.map((c) => c.severity)),
  };
}

/** Security entries in the notable list; more are counted, not listed. */
const MAX_SECURITY = 8;

function notable(changes: ReleaseChange[]): { notable: NotableUpdate[]; moreSecurity: number } {
  const kernel = new Map<string, NotableUpdate>();
  const toolchains: NotableUpdate[] = [];
  const security: NotableUpdate[] = [];
  for (const c of changes) {
    if (c.kind === 'removed') continue;
    const single = (why: NotableUpdate['why']): NotableUpdate => ({
      why,
      packages: [c.sourcePackage],
      from: c.from,
      to: c.to,
      cves: c.cves,
      severity: c.severity,
      also: [],
    });
    if (isKernel(c.sourcePackage)) {
      const key = `${c.from ?? ''}\u0000${c.to ?? ''}`;
      const group = kernel.get(key);
      if (group) {
        group.packages.push(c.sourcePackage);
        group.cves = unique([...group.cves, ...c.cves]);
        group.severity = maxSeverity(group.severity, c.severity);
      } else {
        kernel.set(key, single('kernel'));
      }
    } else if (TOOLCHAINS.test(c.sourcePackage)) {
      toolchains.push(single('toolchain'));
    } else if (severityRank(c.severity) >= severityRank('high') || c.cves.length >= MANY_CVES) {
      security.push(single('security'));
    }
  }
  for (const group of kernel.values()) group.packages.sort(byLength);
  // The move that includes `kernel` itself leads (it is what most machines run); the other
  // variants' moves are named with it.
  const [lead, ...others] = [...kernel.values()].sort((a, b) =>
    byLength(a.packages[0]!, b.packages[0]!),
  );
  if (lead) {
    lead.also = others.map((o) => ({ packages: o.packages, from: o.from, to: o.to }));
    lead.cves = unique([...lead.cves, ...others.flatMap((o) => o.cves)]);
    lead.severity = maxSeverity(lead.severity, ...others.map((o) => o.severity));
  }
  security.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      b.cves.length - a.cves.length ||
      a.packages[0]!.localeCompare(b.packages[0]!),
  );
  return {
    notable: [...(lead ? [lead] : []), ...toolchains, ...security.slice(0, MAX_SECURITY)],
    moreSecurity: Math.max(0, security.length - MAX_SECURITY),
  };
}

const byLength = (a: string, b: string): number => a.length - b.length || a.localeCompare(b);

function unique(cves: CveRef[]): CveRef[] {
  const byId = new Map<string, CveRef>();
  for (const c of cves) {
    const seen = byId.get(c.id);
    if (!seen || severityRank(c.severity) > severityRank(seen.severity)) byId.set(c.id, c);
  }
  return [...byId.values()];
}

function groups(changes: ReleaseChange[]): ReleaseSummary['groups'] {
  const order: (Severity | 'none')[] = [...SEVERITIES_WORST_FIRST, 'none'];
  return order
    .map((severity) => ({
      severity,
      changes: changes
        .filter((c) => (c.cves.length === 0 ? 'none' : c.severity) === severity)
        .sort(
          (a, b) => b.cves.length - a.cves.length || a.sourcePackage.localeCompare(b.sourcePackage),
        ),
    }))
    .filter((g) => g.changes.length > 0);
}
