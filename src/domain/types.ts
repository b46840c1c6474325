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
}

export type InventoryFormat = 'rpm-qa' | 'rpm-qf' | 'aks-release-notes' | 'cyclonedx' | 'spdx';

export interface Inventory {
  format: InventoryFormat;
  packages: InstalledPackage[];
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

export interface CveRef {
  id: string;
  severity: Severity;
}

/** A binary package built by a spec, with its own EVR when it declares its own Version. */
export interface BinaryPackage {
  name: string;
  /** `[epoch:]version-release` without dist tag, as in the spec. */
  evr: string;
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
  /** CVE ids named in %changelog entries added since `from`, sorted, unique. */
  cves: CveRef[];
  /** Worst severity known for this change. */
  severity: Severity;
}

/** Everything a release changed, relative to the newest older release on its line. */
export interface ChangeSet {
  release: ReleaseInfo;
  previousTag: string | null;
  /** Dist tag of the line, e.g. `.azl3`; used to print versions as rpm shows them. */
  dist: string;
  /** GitHub compare view between the two tags, when there is a previous tag. */
  compareUrl: string | null;
  changes: SourceChange[];
}

/** One installed package that the release updates. */
export interface AffectedPackage {
  package: string;
  /** `[epoch:]version-release` with dist tag; `epoch:` only when non-zero. */
  installed: string;
  fixed: string;
  sourcePackage: string;
  cves: CveRef[];
  severity: Severity;
}

/** The answer to "what does this release change for this inventory?" (the CLI's JSON shape). */
export interface MatchResult {
  release: {
    tag: string;
    line: string;
    publishedAt: string;
    url: string;
    previousTag: string | null;
    /** Additive to the documented shape: the GitHub compare view, when known. */
    compareUrl: string | null;
  };
  affected: AffectedPackage[];
  /** Installed packages that map to no Azure Linux spec: never reported as safe. */
  untracked: string[];
  summary: {
    /** Number of affected installed packages. */
    affected: number;
    /** Number of distinct CVE ids fixed for this inventory. */
    cves: number;
    /** Distinct CVE ids by severity (a CVE counts once, at its worst known severity). */
    bySeverity: Record<Severity, number>;
  };
}
