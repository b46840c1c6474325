/**
 * SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif) and other SARIF
 * readers: one rule per CVE, one result per (installed package, CVE).
 *
 * - level: critical/high → error, medium and unknown → warning (an unrated CVE may be
 *   anything), low → note; rules also carry `security-severity`, the CVSS-like score GitHub
 *   turns into its Critical/High/Medium/Low labels (≥9.0, 7.0–8.9, 4.0–6.9, 0.1–3.9; see
 *   docs.github.com "SARIF support for code scanning").
 * - location: the inventory file (relative to the working directory, as code scanning wants
 *   repository paths) and, for formats with a package per line, that line. SBOMs (JSON) have
 *   no meaningful line, so their results locate the whole file (SARIF §3.28.6: a
 *   physicalLocation without region is the whole artifact). stdin has no file: no location.
 * - accepted risks (the ignore file) stay in the log as results with an external, accepted
 *   suppression carrying the reason, so nothing disappears silently.
 * - partialFingerprints identify a result by inventory, package and CVE, not by version, so
 *   an alert stays the same alert across releases until the package is fixed.
 * Updates that fix no CVE have no rule to report under and are left out: the other formats
 * list them, and `--fail-on any` gates on them.
 * A node or image gives tens to hundreds of results, far inside code scanning's limits
 * (docs.github.com, "SARIF results exceed one or more limits": 25,000 results and rules
 * per run, 20 tags per rule).
 */
import { createHash } from 'node:crypto';
import { relative, resolve, sep } from 'node:path';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { maxSeverity, SEVERITIES_WORST_FIRST } from '../../domain/severity.js';
import type { CveRef, PackageUpdate, Severity } from '../../domain/types.js';
import { nvdUrl } from '../../notify/summary.js';
import { packageVersion } from '../../package-info.js';
import type { CheckAnswer, InventoryAnswer } from '../match-options.js';

const SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const LEVEL: Record<Severity, Result.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  unknown: 'warning',
  low: 'note',
};

/** A score inside each of GitHub's security-severity bands; none for an unrated CVE. */
const SECURITY_SEVERITY: Record<Severity, string | undefined> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
  unknown: undefined,
};

interface Finding {
  inventory: InventoryAnswer;
  list: 'affected' | 'behind' | 'replaced' | 'noLongerShipped';
  update: Pick<PackageUpdate, 'package' | 'installed' | 'sourcePackage'> & { fixed: string | null };
  cve: CveRef;
  /** For a replaced package: the package that replaces it. */
  replacedBy?: string;
  /** The ignore file's reason, when the risk was accepted. */
  accepted?: string;
}

export function formatSarif(answer: CheckAnswer, cwd = process.cwd()): string {
  const findings = collect(answer);
  const worst = new Map<string, Severity>();
  for (const f of findings) {
    worst.set(f.cve.id, maxSeverity(worst.get(f.cve.id) ?? 'unknown', f.cve.severity));
  }
  const ruleIds = [...worst.keys()].sort(
    (a, b) =>
      SEVERITIES_WORST_FIRST.indexOf(worst.get(a)!) -
        SEVERITIES_WORST_FIRST.indexOf(worst.get(b)!) ||
      a.localeCompare(b, 'en', { numeric: true }),
  );
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const { release } = answer.combined;
  const log: Log = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'azl-notifier',
            version: packageVersion,
            semanticVersion: packageVersion,
            rules: ruleIds.map((id) => rule(id, worst.get(id)!)),
          },
        },
        automationDetails: { id: `azl-notifier/${release.line}/` },
        properties: {
          release: release.tag,
          previousRelease: release.previousTag,
          compareUrl: release.compareUrl,
        },
        results: findings.map((f) => result(f, index.get(f.cve.id)!, release.tag, cwd)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function collect(answer: CheckAnswer): Finding[] {
  const findings: Finding[] = [];
  const pools = answer.pools.flatMap((p) => (p.answer ? [p.answer] : []));
  for (const inventory of [...answer.inventories, ...pools]) {
    const { affected, behind, replaced, noLongerShipped } = inventory.result;
    for (const [list, updates] of [
      ['affected', affected],
      ['behind', behind],
    ] as const) {
      for (const update of updates) {
        for (const cve of update.cves) findings.push({ inventory, list, update, cve });
      }
    }
    for (const update of replaced) {
      for (const cve of update.cves) {
        findings.push({
          inventory,
          list: 'replaced',
          update,
          cve,
          replacedBy: update.replacedBy.package,
        });
      }
    }
    for (const item of noLongerShipped) {
      for (const cve of item.cves) {
        findings.push({
          inventory,
          list: 'noLongerShipped',
          update: { ...item, fixed: null },
          cve,
        });
      }
    }
    for (const item of inventory.ignored) {
      for (const cve of item.cves) {
        findings.push({ inventory, list: item.list, update: item, cve, accepted: item.reason });
      }
    }
  }
  return findings;
}

function rule(id: string, severity: Severity): ReportingDescriptor {
  const score = SECURITY_SEVERITY[severity];
  return {
    id,
    name: id,
    shortDescription: { text: `${id} is fixed by an Azure Linux update` },
    fullDescription: {
      text: `An installed package is older than the Azure Linux update that fixes ${id}. Severity: ${severity}.`,
    },
    helpUri: nvdUrl(id),
    help: {
      text: `Update the packages this result names (dnf upgrade, or a newer node or base image). Details: ${nvdUrl(id)}`,
    },
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      tags: ['security', 'vulnerability', 'azure-linux'],
      ...(score ? { 'security-severity': score } : {}),
    },
  };
}

function result(f: Finding, ruleIndex: number, tag: string, cwd: string): Result {
  const { update, cve, inventory } = f;
  const out: Result = {
    ruleId: cve.id,
    ruleIndex,
    level: LEVEL[cve.severity],
    message: { text: findingText(f, tag) },
    partialFingerprints: {
      'azlNotifierFinding/v1': createHash('sha256')
        .update([inventory.id ?? inventory.name, update.package, cve.id].join('\u0000'))
        .digest('hex'),
    },
    properties: {
      package: update.package,
      installed: update.installed,
      fixed: update.fixed,
      sourcePackage: update.sourcePackage,
      list: f.list,
      severitySource: cve.severitySource,
      sources: cve.sources,
    },
  };
  if (inventory.id !== undefined) {
    // A node pool is no file: it is named by its Azure resource id.
    out.locations = [
      { logicalLocations: [{ fullyQualifiedName: inventory.id, kind: 'resource' }] },
    ];
  } else if (inventory.name !== '-') {
    const line = inventory.lineOf(update);
    out.locations = [
      {
        physicalLocation: {
          artifactLocation: { uri: uriOf(inventory.name, cwd) },
          ...(line !== undefined ? { region: { startLine: line } } : {}),
        },
      },
    ];
  }
  if (f.accepted !== undefined) {
    out.suppressions = [{ kind: 'external', status: 'accepted', justification: f.accepted }];
  }
  return out;
}

/** What a finding says, by its status: the update that fixes it, or that none will. */
function findingText({ update, cve, list, replacedBy }: Finding, tag: string): string {
  const installed = `${update.package} ${update.installed} is installed`;
  const fixes = `${cve.id} (${cve.severity})`;
  switch (list) {
    case 'affected':
      return `${installed}; ${update.fixed} (updated by ${tag}) fixes ${fixes}.`;
    case 'behind':
      return `${installed}; ${update.fixed} (updated by a release before ${tag}) fixes ${fixes}.`;
    case 'replaced':
      return `${installed}; ${tag} replaces it with ${replacedBy ?? ''} ${update.fixed ?? ''} (dnf upgrade installs it), which leaves ${fixes} behind.`;
    case 'noLongerShipped':
      return `${installed}; Azure Linux no longer ships it as of ${tag}, so nothing will fix ${fixes}.`;
  }
}

/** A relative path with forward slashes, percent-encoded where a URI needs it. */
function uriOf(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  const inside = rel !== '' && !rel.startsWith('..');
  const parts = (inside ? rel : resolve(cwd, path)).split(sep).map(encodeURIComponent);
  return inside ? parts.join('/') : `file://${parts.join('/')}`;
}
