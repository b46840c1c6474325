import { SEVERITIES_WORST_FIRST, severityRank } from '../domain/severity.js';
import type { NodeImageNotice } from '../domain/node-image.js';
import { watchOf } from '../domain/aks-watch.js';
import type { Subscription } from '../domain/subscription.js';
import type {
  CveRef,
  MatchResult,
  PackageUpdate,
  ReplacedPackage,
  Severity,
  UnshippedPackage,
} from '../domain/types.js';

/**
 * Presentation helpers shared by the Teams card and the email, so both channels group,
 * order and link the same way. Pure: no I/O, no clock.
 */

export const AKS_NODE_IMAGE_UPGRADE_URL =
  'https://learn.microsoft.com/azure/aks/node-image-upgrade';

/** The AKS release tracker: which node image version has reached which region. */
export const AKS_RELEASE_TRACKER_URL = 'https://releases.aks.azure.com';

/** The one command that moves a node pool to the newest node image, without a k8s upgrade. */
export const NODE_IMAGE_UPGRADE_COMMAND =
  'az aks nodepool upgrade --node-image-only -g <rg> --cluster-name <cluster> -n <pool>';

/**
 * The command that installs the fixes on a machine that reported a package list. Azure Linux
 * 3.0 (and 2.0) ship tdnf as their package manager (vmware/tdnf; `--refresh` expires the
 * cached metadata first, so a release hours old is seen); dnf, where installed as on the AKS
 * node images, takes the same command. Naming the packages upgrades those only, to the newest
 * version in the repositories, which is at least the release's.
 */
export function packageUpgradeCommand(packages: readonly string[]): string {
  return `sudo tdnf upgrade --refresh ${[...new Set(packages)].sort().join(' ')}`;
}

/** What every message says for a node-image inventory: where the fixes are, and how to get them. */
export interface NodeImageAdvice {
  /** "Node image 202605.14.0 has all 34 fixes", or that none has them yet. */
  sentence: string;
  /** The upgrade command, when a published image carries fixes. */
  command: string | undefined;
}

/**
 * "Node image 202605.14.0 has all 34 fixes" and the command to move the pool there, or that
 * no published image carries them yet (the AKS release tracker shows when one does).
 * `withName` prefixes the pool's own image, when several are shown.
 */
export function nodeImageAdvice(
  summary: NonNullable<MatchResult['nodeImages']>[number],
  withName = false,
): NodeImageAdvice {
  const prefix = withName ? `${summary.image}: ` : '';
  const { upgradeTo } = summary;
  if (!upgradeTo) {
    return {
      sentence: `${prefix}No published node image has these fixes yet${summary.newest ? ` (newest: ${summary.newest})` : ''}`,
      command: undefined,
    };
  }
  const fixes =
    upgradeTo.covers === upgradeTo.of
      ? `has all ${plural(upgradeTo.of, 'fix')}`
      : `has ${upgradeTo.covers} of ${plural(upgradeTo.of, 'fix')} (no published image has the rest yet)`;
  return {
    sentence: `${prefix}Node image ${upgradeTo.nodeImage} ${fixes}`,
    command: NODE_IMAGE_UPGRADE_COMMAND,
  };
}

/** The advice as one line of plain text. */
export function nodeImageLine(advice: NodeImageAdvice): string {
  return advice.command
    ? `${advice.sentence}: ${advice.command}`
    : `${advice.sentence}; the AKS release tracker shows new ones: ${AKS_RELEASE_TRACKER_URL}`;
}

/**
 * "AKSAzureLinux-V3gen2-202605.14.0 is out: it fixes 34 packages (35 CVEs, 15 high) your pool
 * system still misses". Only critical and high are named: they are what makes someone act.
 */
export function nodeImageHeadline(notice: NodeImageNotice): string {
  const pools = notice.pools.map((p) => p.inventory);
  const { critical, high } = notice.cves.bySeverity;
  const urgent = severityPhrase({ unknown: 0, low: 0, medium: 0, high, critical });
  const cves =
    notice.cves.cves > 0
      ? ` (${plural(notice.cves.cves, 'CVE')}${urgent ? `, ${urgent}` : ''})`
      : '';
  const fixes = `it fixes ${plural(notice.fixes.length, 'package')}${cves}`;
  // "The fix has reached your region": the image is offered to this watched pool now.
  if (notice.region) {
    return `${notice.image} is now offered in ${notice.region.location}: ${fixes} on ${listWithMore(pools, 3)}`;
  }
  const whose =
    pools.length === 1
      ? `your pool ${pools[0]} still misses`
      : `your pools ${listWithMore(pools, 3)} still miss`;
  return `${notice.image} is out: ${fixes} ${whose}`;
}

/** What a node-image notice says under its headline: the basis, what is left, the command. */
export interface NodeImageNoticeParts {
  /** "As of Azure Linux 3.0.20260429-3.0. system runs AKSAzureLinux-V3gen2-202604.13.0." */
  asOf: string;
  /** "2 missing updates not in this image yet.", when some are not. */
  pending: string | undefined;
  /** "Upgrade each pool:", or for one watched pool whose region offers the image, "Upgrade it now:". */
  commandLabel: string;
  command: string;
}

export function nodeImageNoticeParts(notice: NodeImageNotice): NodeImageNoticeParts {
  const pools = notice.pools.map((p) => `${p.inventory} runs ${p.image}`).join('; ');
  return {
    asOf: `As of Azure Linux ${notice.release.tag}. ${pools}.`,
    pending:
      notice.stillMissing > 0
        ? `${plural(notice.stillMissing, 'missing update')} not in this image yet.`
        : undefined,
    ...(notice.region && notice.pools.length === 1
      ? { commandLabel: 'Upgrade it now:', command: notice.region.command }
      : { commandLabel: 'Upgrade each pool:', command: NODE_IMAGE_UPGRADE_COMMAND }),
  };
}

/** The statuses every answer counts, in the order they are shown, with their words. */
export const STATUS_WORDS = [
  ['current', 'current'],
  ['affected', 'affected'],
  ['behind', 'behind'],
  ['replaced', 'replaced'],
  ['noLongerShipped', 'no longer shipped'],
  ['untracked', 'untracked'],
  ['unknown', 'unknown'],
] as const satisfies readonly (readonly [keyof MatchResult['summary'], string])[];

/** "Statuses: 304 current, 25 affected, 9 behind, 0 replaced, …": one per installed package. */
export function statusLine(summary: MatchResult['summary']): string {
  return `Statuses: ${STATUS_WORDS.map(([key, words]) => `${summary[key]} ${words}`).join(', ')}.`;
}

/** "containerd 1.7.13-3.azl3 → containerd2 2.1.6-1.azl3 (dnf upgrade installs it)". */
export function replacementLine(p: ReplacedPackage): string {
  return `${p.package} ${p.installed} → ${p.replacedBy.package} ${p.replacedBy.version} (dnf upgrade installs it)`;
}

/** "fwctl 24.10-21.azl3: SPECS/fwctl/fwctl.spec was removed in 3.0.20260107-3.0". */
export function unshippedLine(p: UnshippedPackage): string {
  return `${p.package} ${p.installed}: ${p.reason}`;
}

/** The notices to show at the top: all but the feed's staleness, which goes in a footnote. */
export function headNotices(result: MatchResult): string[] {
  const footnote = result.feed?.stale;
  return footnote ? result.notices.filter((n) => n !== footnote) : result.notices;
}

/**
 * Unknown packages grouped by reason: forty perl modules unplaced for one reason are one line,
 * "perl-Carp, perl-Encode +38 more: <reason>".
 */
export function unknownByReason(
  unknown: MatchResult['unknown'],
): { names: string[]; reason: string }[] {
  const byReason = new Map<string, string[]>();
  for (const u of unknown) byReason.set(u.reason, [...(byReason.get(u.reason) ?? []), u.package]);
  return [...byReason].map(([reason, names]) => ({ names, reason }));
}

/**
 * Notices that say the same thing (one image, one region, the same fixes, as of one release)
 * about several pools, as one notice naming them all: a digest of a fleet whose region's offer
 * moved lists its pools once, not a section per pool.
 */
export function mergeNotices(notices: readonly NodeImageNotice[]): NodeImageNotice[] {
  const merged = new Map<string, NodeImageNotice>();
  for (const notice of notices) {
    const key = [
      notice.image,
      notice.region?.location ?? '',
      notice.release.tag,
      notice.stillMissing,
      ...notice.fixes.map((f) => `${f.package} ${f.installed} ${f.fixed}`),
    ].join('\u0000');
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, pools: [...seen.pools, ...notice.pools] } : notice);
  }
  return [...merged.values()];
}

export const nvdUrl = (cveId: string): string =>
  `https://nvd.nist.gov/vuln/detail/${encodeURIComponent(cveId)}`;

export const severityLabel = (s: Severity): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Installed packages built from one source package that move between the same versions for
 * the same CVEs. One AKS node has 7 systemd-* rows or 5 hyperv-daemons rows that say the
 * same thing; a reader acts on the source package, so they are shown once.
 */
export interface PackageGroup {
  sourcePackage: string;
  /** Installed binary package names, sorted. */
  packages: string[];
  installed: string;
  fixed: string;
  cves: CveRef[];
  severity: Severity;
}

export function groupUpdates(affected: readonly PackageUpdate[]): PackageGroup[] {
  const groups = new Map<string, PackageGroup>();
  for (const a of affected) {
    const cveIds = a.cves.map((c) => c.id).sort();
    const key = [a.sourcePackage, a.installed, a.fixed, cveIds.join(',')].join('\u0000');
    const group = groups.get(key);
    if (group) {
      group.packages.push(a.package);
      if (severityRank(a.severity) > severityRank(group.severity)) group.severity = a.severity;
    } else {
      groups.set(key, {
        sourcePackage: a.sourcePackage,
        packages: [a.package],
        installed: a.installed,
        fixed: a.fixed,
        cves: sortCves(a.cves),
        severity: a.severity,
      });
    }
  }
  for (const g of groups.values()) g.packages.sort();
  return [...groups.values()].sort(
    (x, y) =>
      severityRank(y.severity) - severityRank(x.severity) ||
      y.cves.length - x.cves.length ||
      x.sourcePackage.localeCompare(y.sourcePackage) ||
      x.installed.localeCompare(y.installed),
  );
}

/**
 * CVE ids in numeric order; one collator, since localeCompare with options builds one per
 * call. Built on first use: ICU takes several milliseconds to make one, and a CLI run that
 * prints JSON never sorts CVEs.
 */
let cveCollator: Intl.Collator | undefined;
const byCveNumber = (a: string, b: string): number =>
  (cveCollator ??= new Intl.Collator('en', { numeric: true })).compare(a, b);

/** Worst severity first, then the newest id (a higher CVE number is usually the newer one). */
export function sortCves(cves: readonly CveRef[]): CveRef[] {
  return [...cves].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || byCveNumber(b.id, a.id),
  );
}

/** Distinct CVEs across the match, each at its worst known severity, worst first. */
export function worstCves(affected: readonly PackageUpdate[], limit: number): CveRef[] {
  const byId = new Map<string, CveRef>();
  for (const a of affected) {
    for (const c of a.cves) {
      const seen = byId.get(c.id);
      if (!seen || severityRank(c.severity) > severityRank(seen.severity)) byId.set(c.id, c);
    }
  }
  return sortCves([...byId.values()]).slice(0, limit);
}

/** "15 high, 1 low": the severities present, worst first; '' when there are none. */
export function severityPhrase(bySeverity: Record<Severity, number>): string {
  return SEVERITIES_WORST_FIRST.filter((s) => bySeverity[s] > 0)
    .map((s) => `${bySeverity[s]} ${s}`)
    .join(', ');
}

/** `1 CVE`, `3 packages`, `2 fixes`. */
export function plural(n: number, noun: string): string {
  if (n === 1) return `${n} ${noun}`;
  return `${n} ${noun}${/(s|x|ch|sh)$/.test(noun) ? 'es' : 's'}`;
}

/** Number of packages shown by a list of groups. */
export const packageCount = (groups: readonly PackageGroup[]): number =>
  groups.reduce((n, g) => n + g.packages.length, 0);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `29 Apr 2026, 01:56 UTC`: unambiguous for readers in every locale. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

const DAY_MS = 86_400_000;

/**
 * "Inventory system uploaded 94 days ago": an old snapshot explains a long list, so every
 * message says how old the package list it was computed from is (the oldest, when several).
 */
export function inventoryBasis(subscription: Subscription, now: Date): string | undefined {
  const info = subscription.inventoryInfo ?? {};
  // A watched cluster is read again on every detector run: it is never old.
  const dated = subscription.inventoryNames
    .filter((name) => !watchOf(info[name]))
    .map((name) => ({ name, uploadedAt: info[name]?.uploadedAt ?? '' }))
    .filter((i) => !Number.isNaN(Date.parse(i.uploadedAt)));
  const oldest = dated.sort((a, b) => Date.parse(a.uploadedAt) - Date.parse(b.uploadedAt))[0];
  if (!oldest) return undefined;
  const days = Math.max(0, Math.floor((now.getTime() - Date.parse(oldest.uploadedAt)) / DAY_MS));
  const age = days === 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
  const which =
    dated.length > 1
      ? `oldest of ${dated.length} inventories, ${oldest.name}`
      : `inventory ${oldest.name}`;
  return `Based on ${which}, uploaded ${age}.`;
}

/** Shortens text a user chose (a subscription name) so it cannot blow a size budget. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `openssh-clients, openssh-server +3 more` */
export function listWithMore(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} +${items.length - max} more`;
}
