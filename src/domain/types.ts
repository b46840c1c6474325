/**
 * The shared vocabulary of azl-notifier. Every layer (sources, store, events,
 * notifiers, API, CLI) speaks in these types, so they change rarely and only on purpose.
 * The domain folder is pure: no I/O, no clocks, no environment.
 */

/** Severity levels, lowest first. `unknown` means no source named one. */
export const SEVERITIES = ['unknown', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** An RPM [epoch:]version-release. `epoch` is 0 when absent. */
export interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/** One installed binary package, as read from any inventory format. */
export interface InstalledPackage {
  name: string;
  evr: Evr;
  arch?: string;
  /** Source package name when the inventory says so (rich rpm query, SBOM upstream qualifier). */
  sourcePackage?: string;
  /** 1-based line in the uploaded text, for formats with one package per line. */
  line?: number;
}

export type InventoryFormat = 'rpm-qa' | 'rpm-qf' | 'aks-release-notes' | 'cyclonedx' | 'spdx';

export interface Inventory {
  format: InventoryFormat;
  /** Each installed package once: lines repeated in the input are counted once. */
  packages: InstalledPackage[];
  /** How many repeated lines were dropped. */
  duplicates?: number;
}

/** A release as GitHub lists it, reduced to what the product uses. */
export interface ReleaseInfo {
  /** e.g. `3.0.20260429-3.0` */
  tag: string;
  /** e.g. `3.0`, from the tag suffix. */
  line: string;
  /** The release's own published_at (ISO 8601), not the date in its tag. */
  publishedAt: string;
  /** html_url of the release page. */
  url: string;
  draft: boolean;
  prerelease: boolean;
}

/** Where a CVE fix is recorded. */
export type CveSource = 'changelog' | 'oval';
/** Where a CVE's severity came from: the OVAL feed wins over a security PR's title. */
export type SeveritySource = 'oval' | 'pr-title';

export interface CveRef {
  id: string;
  severity: Severity;
  /** null when no source named a severity (`severity` is then `unknown`). */
  severitySource: SeveritySource | null;
  /** The spec's %changelog, the OVAL feed, or both; sorted. */
  sources: CveSource[];
}

/**
 * The CVE ids each %changelog entry of a spec names, newest entry first, with the EVR its
 * header names (null when it names none). Kept instead of the whole changelog because it is
 * all that "which CVEs does upgrading from my version fix?" needs (src/domain/changelog.ts).
 */
export type ChangelogCves = { evr: string | null; cves: string[] }[];

/** A binary package built by a spec, with its own EVR when it declares its own Version. */
export interface BinaryPackage {
  name: string;
  /** `[epoch:]version-release` without dist tag, as in the spec. */
  evr: string;
}

/**
 * One `Obsoletes:` of a spec, in the package section it belongs to: `by` (a binary the spec
 * builds) replaces every installed package named `name` whose EVR satisfies `op evr` (every
 * version when unversioned). `evr` is written without the dist tag, like every EVR a spec
 * states here; matching gives it the line's (src/domain/obsoletes.ts).
 */
export interface Obsolete {
  by: string;
  name: string;
  op?: '<' | '<=' | '=' | '>=' | '>';
  evr?: string;
}

/** One source package whose spec changed between two tags. */
export interface SourceChange {
  sourcePackage: string;
  kind: 'added' | 'updated' | 'removed';
  /** `[epoch:]version-release` without dist tag; null when added. */
  from: string | null;
  /** `[epoch:]version-release` without dist tag; null when removed. */
  to: string | null;
  specPath: string;
  /** Binary packages the spec builds at the newer tag (the older one when removed). */
  binaries: BinaryPackage[];
  /** CVEs newly fixed relative to `from` (src/domain/changelog.ts), sorted, unique. */
  cves: CveRef[];
  /** Worst severity among `cves`. */
  severity: Severity;
  /**
   * The newer spec's changelog CVEs, so matching can tell which fixes are new for the
   * installed version, which may be older than `from`. Empty when removed.
   */
  changelog: ChangelogCves;
  /** The newer spec's `Obsoletes:` (the older one's when removed); absent in older records. */
  obsoletes?: Obsolete[];
}

/** Everything a release changed, relative to the newest older release on its line. */
export interface ChangeSet {
  release: ReleaseInfo;
  previousTag: string | null;
  /** Dist tag of the line, e.g. `.azl3`; used to print versions as rpm shows them. */
  dist: string;
  /** GitHub compare view between the two tags, when there is a previous tag. */
  compareUrl: string | null;
  /**
   * Git sha of the release tag's root tree: every spec at the tag, for packages this
   * release did not change but an inventory may still be behind on. Null for change sets
   * recorded before it was kept.
   */
  tree: string | null;
  changes: SourceChange[];
  /**
   * Severities the release's security PR titles give, source package (lower case) → CVE →
   * severity. Kept so that matching, which recomputes CVE sets per installed version, can
   * still give them; a title only speaks for the package it names.
   */
  titleSeverities: Record<string, Record<string, Severity>>;
}

/**
 * One installed package older than its source's version at the release tag. It is in
 * `affected` when that source changed in the release, in `behind` when an earlier release
 * changed it and this machine never took the update.
 */
export interface PackageUpdate {
  package: string;
  /** `[epoch:]version-release` with dist tag; `epoch:` only when non-zero. */
  installed: string;
  /** The version at the release tag, the same way. */
  fixed: string;
  sourcePackage: string;
  /** CVEs the upgrade newly fixes for the installed version (src/domain/changelog.ts). */
  cves: CveRef[];
  /** Worst severity among `cves`; `unknown` when none names one. */
  severity: Severity;
  /**
   * For an AKS node-image inventory: the version of the first newer image of the same
   * variant that carries the fix (`202605.14.0`), null when none is published yet.
   */
  fixedInNodeImage?: string | null;
}

/**
 * An installed Azure Linux package that a package at the release tag obsoletes: `dnf upgrade`
 * removes it and installs `replacedBy` (containerd 1.7 → containerd2). `fixed` is the
 * replacement's version; `cves` are the OVAL feed's fixes for the installed package's source
 * above the installed version: what the machine is open to until it takes the replacement.
 */
export interface ReplacedPackage extends PackageUpdate {
  replacedBy: {
    package: string;
    /** The replacement's version at the tag, with dist tag. */
    version: string;
    sourcePackage: string;
    /** The obsolete that applies, as the built package states it: `containerd < 2.1.6-1.azl3`. */
    obsoletes: string;
  };
}

/**
 * An installed Azure Linux package (its dist tag is the line's) that no spec at the tag
 * builds or obsoletes any more: nothing will update it again.
 */
export interface UnshippedPackage {
  package: string;
  installed: string;
  sourcePackage: string;
  /** The release that dropped its spec, when the data knows it. */
  removedIn: string | null;
  /** The last version the line shipped, with dist tag, when known. */
  lastVersion: string | null;
  /** What became of it, in words: "SPECS/fwctl/fwctl.spec was removed in 3.0.20260107-3.0". */
  reason: string;
  /** The OVAL feed's fixes for its source above the installed version: open, and staying so. */
  cves: CveRef[];
  severity: Severity;
}

/** An installed Azure Linux package the product could not place, with the reason. */
export interface UnplacedPackage {
  package: string;
  installed: string;
  reason: string;
}

/** Distinct CVE counts of a list of updates. */
export interface CveSummary {
  /** Number of distinct CVE ids. */
  cves: number;
  /** Distinct CVE ids by severity (a CVE counts once, at its worst known severity). */
  bySeverity: Record<Severity, number>;
}

/** The answer to "what am I missing as of this release, and what does upgrading fix?" */
export interface MatchResult {
  release: {
    tag: string;
    line: string;
    publishedAt: string;
    url: string;
    /** The release compared with: the previous one on the line, or `--from`. */
    previousTag: string | null;
    /** The GitHub compare view, when known. */
    compareUrl: string | null;
  };
  /** Updated by this release (its source changed between `previousTag` and `tag`). */
  affected: PackageUpdate[];
  /** Still missing from earlier releases (the source did not change in this one). */
  behind: PackageUpdate[];
  /** Obsoleted by another package at the tag, which `dnf upgrade` installs in their place. */
  replaced: ReplacedPackage[];
  /** Azure Linux packages whose spec the tag no longer has: nothing will fix them again. */
  noLongerShipped: UnshippedPackage[];
  /** Installed packages that are not Azure Linux's (another dist tag, or none): not checked. */
  untracked: string[];
  /** Azure Linux packages the product could not place, each with the reason. */
  unknown: UnplacedPackage[];
  /** Things a reader must know to trust the answer, e.g. that the line is out of support. */
  notices: string[];
  /** For AKS node-image inventories: the image each one runs and the one to upgrade to. */
  nodeImages?: {
    /** The inventory's own image, `AKSAzureLinux-V3gen2-202604.13.0`. */
    image: string;
    /** The first image covering every fix, or the one covering most; null when none has any. */
    upgradeTo: { nodeImage: string; covers: number; of: number } | null;
    /** The newest published image of the variant. */
    newest: string | null;
  }[];
  /**
   * One count per status, each installed package (a name at a version; two arches are one)
   * in exactly one; and the CVEs upgrading fixes (affected, behind and replaced together).
   */
  summary: CveSummary & {
    /** Installed packages at or above their spec's version at the tag. */
    current: number;
    /** Number of affected installed packages. */
    affected: number;
    /** Number of behind installed packages. */
    behind: number;
    replaced: number;
    noLongerShipped: number;
    /** Distinct untracked names. */
    untracked: number;
    unknown: number;
    /** The CVE counts of `affected` alone: what this release itself brings. */
    release: CveSummary;
    /** The CVE counts of `noLongerShipped`: open, with no update to take. */
    unfixed: CveSummary;
  };
  /**
   * The OVAL feed the CVEs and severities came from, when one was used: when it was
   * generated (its `<oval:timestamp>`, null when it states none) and, when it is stale for
   * this answer, the notice that says so (also in `notices`).
   */
  feed?: { generatedAt: string | null; stale: string | null };
}
