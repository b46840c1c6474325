import { Command, InvalidArgumentError, Option } from 'commander';
import { feedAgeDays } from '../../domain/feed-age.js';
import { THRESHOLDS, reachesThreshold } from '../../domain/severity.js';
import type { Threshold } from '../../domain/severity.js';
import { basename } from 'node:path';
import { InputError, StaleBundleError, StaleFeedError } from '../../errors.js';
import { loadIgnoreFile, DEFAULT_IGNORE_FILE } from '../ignore/ignore-file.js';
import { checkFromOptions, withMatchOptions } from '../match-options.js';
import type { CheckAnswer, InventoryAnswer, MatchOptions, PoolAnswer } from '../match-options.js';
import { stderrReporter } from '../progress.js';
import { cliSettings } from '../settings.js';
import { paintFor, type Paint } from '../output/colour.js';
import {
  checkOutputPath,
  emit,
  withOutputOptions,
  writesToTerminal,
  type OutputOptions,
} from '../output/destination.js';
import { describeExpired } from '../output/ignored.js';
import { formatMarkdown } from '../output/markdown.js';
import { formatSarif } from '../output/sarif.js';
import { formatTable } from '../output/table.js';
import { poolAdviceLine } from '../../notify/pool-advice.js';

const FORMATS = ['table', 'json', 'markdown', 'sarif'] as const;
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
type Format = (typeof FORMATS)[number];

interface CheckOptions extends MatchOptions, OutputOptions {
  format: Format;
  failOn?: Threshold;
  failOnUnsupported?: boolean;
  maxFeedAge: number;
  requireFreshFeed?: boolean;
  ignoreFile?: string;
  maxBundleAge: number;
  allowStaleBundle?: boolean;
}

/** `7`, `7d` or `36h`: a feed age in days. */
function parseAge(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([dh]?)$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected days, e.g. 7, 7d or 36h');
  const n = Number(m[1]);
  return m[2]?.toLowerCase() === 'h' ? n / 24 : n;
}

export function checkCommand(): Command {
  return withOutputOptions(
    withMatchOptions(
      new Command('check').description(
        'Show what your machines miss as of a release, and which CVEs upgrading fixes for them',
      ),
    ),
  )
    .option(
      '--aks-cluster <resource id>',
      'an AKS cluster whose node pools to check (repeat for several), read from Azure Resource Manager with your Azure sign-in (az aks show --query id -o tsv)',
      collect,
    )
    .option(
      '--azure-subscription <id>',
      'every AKS cluster of an Azure subscription (repeat for several); needs Reader on it',
      collect,
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'),
    )
    .addOption(
      new Option(
        '--fail-on <level>',
        'exit 3 when an update (affected, behind, or replaced by another package) reaches this level: "any" (any update), "unknown" (any CVE fixed), or a CVE severity',
      ).choices(THRESHOLDS),
    )
    .option(
      '--fail-on-unsupported',
      'exit 3 when an installed Azure Linux package is no longer shipped (nothing will update it again)',
    )
    .addOption(
      new Option(
        '--max-feed-age <age>',
        'with a gate, warn when the OVAL feed is older than this: days, e.g. 7, 7d or 36h',
      )
        .default(7, '7d')
        .argParser(parseAge),
    )
    .option(
      '--require-fresh-feed',
      'exit 7 when the OVAL feed is older than --max-feed-age, or none could be read: a gate that cannot see severities must not pass',
    )
    .addOption(
      new Option(
        '--max-bundle-age <age>',
        'with --bundle, warn when the bundle is older than this (days, e.g. 45, 45d or 36h); with --fail-on a stale bundle fails the gate (exit 7)',
      )
        .default(45, '45d')
        .argParser(parseAge),
    )
    .option(
      '--allow-stale-bundle',
      'let --fail-on pass or fail on a bundle older than --max-bundle-age (the warning stays)',
    )
    .option(
      '--ignore-file <file>',
      `accepted risks (CVEs, packages) left out of --fail-on and listed as ignored (default: ${DEFAULT_IGNORE_FILE} when present)`,
    )
    .addHelpText(
      'after',
      `
Examples:
  # What is this VM missing as of the newest release of its line?
  rpm -qa | azl-notifier check --inventory -

  # Exact source mapping (recommended): the rich query
  rpm -qa --qf '%{NAME}|%{EPOCHNUM}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SOURCERPM}\\n' > node.txt
  azl-notifier check -i node.txt --release 3.0.20260429-3.0

  # Several node pools at once; the exit code is the worst of them
  azl-notifier check -i system.txt -i user.txt --fail-on high

  # An AKS node pool by its node image: what it misses, and the image that carries the fixes
  azl-notifier check --aks-node-image "$(az aks nodepool show -g RG --cluster-name AKS \\
    -n nodepool1 --query nodeImageVersion -o tsv)"

  # Every node pool of an AKS cluster, read from Azure Resource Manager (Reader on the
  # cluster; az login, a managed identity, workload identity or AZURE_CLIENT_* variables):
  # what each pool misses, and whether its region offers the image with the fixes yet
  azl-notifier check --aks-cluster "$(az aks show -g RG -n AKS --query id -o tsv)" --fail-on high

  # Every AKS cluster of an Azure subscription
  azl-notifier check --azure-subscription "$(az account show --query id -o tsv)" -f json

  # What changed for this machine across a monthly patch cycle
  azl-notifier check -i node.txt --from 3.0.20260331-3.0 --release 3.0.20260429-3.0

  # Gate a pipeline that builds on an Azure Linux image (SBOM from syft), with a SARIF file
  # for GitHub code scanning and accepted risks in .azl-notifier-ignore.yaml
  syft my-image:tag -o cyclonedx-json > sbom.json
  azl-notifier check -i sbom.json --fail-on high --format sarif --output azl.sarif

  # On a machine without network, from what earlier runs cached
  azl-notifier check -i node.txt --offline

  # CI without GitHub access (README "CI without GitHub access"): ask your team's deployment,
  # one request and none to GitHub; the check key from the pipeline's secret variables
  AZL_SERVER_KEY=... azl-notifier check -i node.txt --server https://azl.example.com --fail-on high

  # Air-gapped: from a bundle made on a connected machine (azl-notifier bundle create), with
  # no network at all; a release newer than the bundle is exit 4, an altered bundle exit 8
  azl-notifier check -i node.txt --bundle azl-3.0.tar.gz --fail-on high

"affected" packages were updated by this release; "behind" ones by an earlier release
this machine never took. CVEs are those the upgrade newly fixes for the installed version.
Every installed package gets one status: current, affected, behind, "replaced" (another
package at the tag obsoletes it, and dnf upgrade installs that one instead), "noLongerShipped"
(Azure Linux dropped its spec: nothing will fix it again), "untracked" (not an Azure Linux
package: another dist tag, or none) or "unknown" (an Azure Linux package that could not be
placed, with the reason). summary counts each. When the OVAL feed is older than the release,
or more than 3 days old, every output says so.

JSON output (--format json) is a stable shape (fields may be added, never removed):
  {release:{tag,line,publishedAt,url,previousTag,compareUrl},
   affected:[{package,installed,fixed,sourcePackage,severity,
              cves:[{id,severity,severitySource,sources}]}],
   behind:[same as affected],
   replaced:[{...as affected, fixed: the replacement's version,
              replacedBy:{package,version,sourcePackage,obsoletes}}],
   noLongerShipped:[{package,installed,sourcePackage,removedIn,lastVersion,reason,cves,severity}],
   untracked:[name], unknown:[{package,installed,reason}], notices:[text],
   feed:{generatedAt,stale}|absent,
   summary:{current,affected,behind,replaced,noLongerShipped,untracked,unknown,
            cves,bySeverity,release:{cves,bySeverity},unfixed:{cves,bySeverity}},
   ignored:[{list,package,installed,fixed,sourcePackage,cves,wholePackage,reason,expires}],
   ignoreFile:{path,expired:[{cve,package,reason,expires}]}|null,
   inventories:[{name,format,packages,duplicates,affected,behind,replaced,noLongerShipped,
                 untracked,unknown,summary,ignored}],
   pools:[{cluster,name,location,osType,osSku,nodeImageVersion,nodeOSUpgradeChannel,
           latestNodeImageVersion,checked,notices,affected,behind,replaced,noLongerShipped,
           untracked,unknown,summary,upgradeTo,ignored,offer:{nodeImage,covers,of}|null,
           upgradeAvailableNow,advice}]}
  A pool that was not checked (not Azure Linux, Azure Linux 2.0) has checked: false and
  null lists: it is listed, never counted as "nothing missing".

Exit codes: 3 when --fail-on or --fail-on-unsupported is reached; 7 with --require-fresh-feed
when the OVAL feed is older than --max-feed-age (or none could be read), and with --bundle and
--fail-on when the bundle is older than --max-bundle-age (unless --allow-stale-bundle); 5
when --server cannot be reached (--server-fallback asks GitHub instead, and says so); 8 when
the bundle is refused. The report is written either way, but for 5 and 8.`,
    )
    .action(async (options: CheckOptions) => {
      const { cli } = cliSettings();
      const reporter = stderrReporter(process.stderr, { quiet: options.quiet });
      await checkOutputPath(options);
      // Read before any request, so a broken ignore file fails fast.
      const ignoreFile = await loadIgnoreFile(options.ignoreFile, new Date());
      for (const rule of ignoreFile?.expired ?? []) {
        reporter.warn(`warning: ${describeExpired(rule, ignoreFile!.path)}`);
      }
      if (options.requireFreshFeed && !options.oval) {
        throw new InputError('--require-fresh-feed needs the OVAL feed: drop --no-oval');
      }
      const answer = await checkFromOptions(options, reporter, ignoreFile);
      const paint = paintFor(writesToTerminal(options), cli.NO_COLOR);
      await emit(options, render(answer, options.format, paint));
      const gated = options.failOn !== undefined || options.failOnUnsupported === true;
      const tooOld = feedTooOld(answer, options.maxFeedAge, new Date());
      if (options.requireFreshFeed && tooOld) throw new StaleFeedError(tooOld);
      // A feed turned off (AZL_OVAL_URL=off) was the user's choice, and one that could not be
      // reached has had its warning: only a feed that was read and is old is news here.
      if (gated && tooOld && answer.combined.feed) reporter.warn(`warning: ${tooOld}`);
      if (options.failOn !== undefined && gateFails(answer, options.failOn)) {
        process.exitCode = 3;
      }
      if (options.failOnUnsupported && answer.combined.noLongerShipped.length > 0) {
        process.exitCode = 3;
      }
      const staleBundle = bundleTooOld(answer, options.maxBundleAge, new Date());
      if (staleBundle && gated && !options.allowStaleBundle) {
        throw new StaleBundleError(
          `${staleBundle}; the gate cannot pass on it (--allow-stale-bundle accepts it)`,
        );
      }
      if (staleBundle) reporter.warn(`warning: ${staleBundle}`);
    });
}

/** Why the feed is too old for a gate (older than `maxDays`, or none), or undefined. */
function feedTooOld(answer: CheckAnswer, maxDays: number, now: Date): string | undefined {
  const { feed } = answer.combined;
  if (!feed) return 'no OVAL feed could be read, so severities and kernel CVEs are missing';
  const age = feedAgeDays(feed.generatedAt, now);
  if (age === undefined) return 'the OVAL feed does not say when it was generated';
  if (age <= maxDays) return undefined;
  return `the OVAL feed is from ${feed.generatedAt!.slice(0, 10)}, ${Math.floor(age)} days old, over --max-feed-age ${maxDays}d: the gate may pass on missing severities and kernel CVEs`;
}

/** Why the bundle answered from is too old (older than `maxDays`), or undefined. */
function bundleTooOld(answer: CheckAnswer, maxDays: number, now: Date): string | undefined {
  if (!answer.bundle) return undefined;
  const age = feedAgeDays(answer.bundle.createdAt, now);
  if (age === undefined || age <= maxDays) return undefined;
  return `the bundle ${basename(answer.bundle.file)} was made ${answer.bundle.createdAt.slice(0, 10)}, ${Math.floor(age)} days ago, over --max-bundle-age ${maxDays}d: releases since are not in it`;
}

function render(answer: CheckAnswer, format: Format, paint: Paint): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJson(answer), null, 2)}\n`;
    case 'markdown':
      return formatMarkdown(answer);
    case 'sarif':
      return formatSarif(answer);
    case 'table':
      return formatTable(answer, paint);
  }
}

/** The combined answer, then each inventory's own lists, then each node pool's. */
function toJson(answer: CheckAnswer): unknown {
  const images = answer.combined.nodeImages ?? [];
  return {
    ...answer.combined,
    // One node image: the image to upgrade to, at the top as the answer itself.
    ...(images.length === 1 && answer.pools.length === 0
      ? { upgradeTo: images[0]?.upgradeTo ?? null }
      : {}),
    ignored: answer.ignored,
    ignoreFile: answer.ignoreFile
      ? { path: answer.ignoreFile.path, expired: answer.ignoreFile.expired }
      : null,
    inventories: answer.inventories.map(inventoryJson),
    ...(answer.pools.length > 0 ? { pools: answer.pools.map(poolJson) } : {}),
  };
}

/** One inventory's own answer: the same fields for a package list, a node image and a pool. */
function inventoryJson(inv: InventoryAnswer) {
  return {
    name: inv.name,
    format: inv.format,
    packages: inv.packages,
    duplicates: inv.duplicates,
    affected: inv.result.affected,
    behind: inv.result.behind,
    replaced: inv.result.replaced,
    noLongerShipped: inv.result.noLongerShipped,
    untracked: inv.result.untracked,
    unknown: inv.result.unknown,
    summary: inv.result.summary,
    ...(inv.result.nodeImages?.[0] ? { upgradeTo: inv.result.nodeImages[0].upgradeTo } : {}),
    ignored: inv.ignored,
  };
}

/** A pool: its facts from ARM, then its image's answer (null lists when not checked). */
function poolJson(p: PoolAnswer) {
  const { pool, answer } = p;
  const own = answer
    ? (({ name: _name, ...rest }) => rest)(inventoryJson(answer))
    : {
        affected: null,
        behind: null,
        replaced: null,
        noLongerShipped: null,
        untracked: null,
        unknown: null,
        summary: null,
        upgradeTo: null,
        ignored: [],
      };
  return {
    cluster: pool.cluster.id,
    name: pool.name,
    location: pool.cluster.location,
    osType: pool.osType,
    osSku: pool.osSku,
    nodeImageVersion: pool.nodeImageVersion,
    nodeOSUpgradeChannel: pool.cluster.nodeOSUpgradeChannel,
    latestNodeImageVersion: pool.latestNodeImageVersion,
    checked: answer !== null,
    notices: p.notices,
    ...own,
    upgradeTo: own.upgradeTo ?? null,
    offer: p.offer ? { nodeImage: p.offer.version, covers: p.offer.covers, of: p.offer.of } : null,
    upgradeAvailableNow: p.upgradeAvailableNow,
    advice: p.advice ? poolAdviceLine(p.advice) : (p.notices[0] ?? null),
  };
}

/**
 * Every list of updates counts: a machine that skipped a release must not pass the gate, nor
 * one that keeps a package another replaced (`dnf upgrade` would take the replacement).
 */
function gateFails(answer: CheckAnswer, level: Threshold): boolean {
  const { affected, behind, replaced } = answer.combined;
  return [...affected, ...behind, ...replaced].some((update) => reachesThreshold(update, level));
}
