import { Command, Option } from 'commander';
import { THRESHOLDS, reachesThreshold } from '../../domain/severity.js';
import type { Threshold } from '../../domain/severity.js';
import { checkFromOptions, withMatchOptions } from '../match-options.js';
import type { CheckAnswer, MatchOptions } from '../match-options.js';
import { formatMarkdown } from '../output/markdown.js';
import { formatTable } from '../output/table.js';

const FORMATS = ['table', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

interface CheckOptions extends MatchOptions {
  format: Format;
  failOn?: Threshold;
}

export function checkCommand(): Command {
  return withMatchOptions(
    new Command('check').description(
      'Show what your machines miss as of a release, and which CVEs upgrading fixes for them',
    ),
  )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'),
    )
    .addOption(
      new Option(
        '--fail-on <level>',
        'exit 3 when an update affected or behind reaches this level: "any" (any update), "unknown" (any CVE fixed), or a CVE severity',
      ).choices(THRESHOLDS),
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

  # What changed for this machine across a monthly patch cycle
  azl-notifier check -i node.txt --from 3.0.20260331-3.0 --release 3.0.20260429-3.0

  # Gate a pipeline that builds on an Azure Linux image (SBOM from syft)
  syft my-image:tag -o cyclonedx-json > sbom.json
  azl-notifier check -i sbom.json --fail-on high --format markdown >> "$GITHUB_STEP_SUMMARY"

"affected" packages were updated by this release; "behind" ones by an earlier release
this machine never took. CVEs are those the upgrade newly fixes for the installed version.

JSON output (--format json) is a stable shape (fields may be added, never removed):
  {release:{tag,line,publishedAt,url,previousTag,compareUrl},
   affected:[{package,installed,fixed,sourcePackage,severity,
              cves:[{id,severity,severitySource,sources}]}],
   behind:[same as affected], untracked:[name], notices:[text],
   summary:{affected,behind,cves,bySeverity,release:{cves,bySeverity}},
   inventories:[{name,format,packages,duplicates,affected,behind,untracked,summary}]}`,
    )
    .action(async (options: CheckOptions) => {
      const answer = await checkFromOptions(options);
      for (const warning of answer.warnings) process.stderr.write(`${warning}\n`);
      process.stdout.write(render(answer, options.format));
      if (options.failOn !== undefined && gateFails(answer, options.failOn)) {
        process.exitCode = 3;
      }
    });
}

function render(answer: CheckAnswer, format: Format): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJson(answer), null, 2)}\n`;
    case 'markdown':
      return formatMarkdown(answer);
    case 'table':
      return formatTable(answer);
  }
}

/** The combined answer, then each inventory's own lists. */
function toJson(answer: CheckAnswer): unknown {
  const images = answer.combined.nodeImages ?? [];
  return {
    ...answer.combined,
    // One node image: the image to upgrade to, at the top as the answer itself.
    ...(images.length === 1 ? { upgradeTo: images[0]?.upgradeTo ?? null } : {}),
    inventories: answer.inventories.map((inv) => ({
      name: inv.name,
      format: inv.format,
      packages: inv.packages,
      duplicates: inv.duplicates,
      affected: inv.result.affected,
      behind: inv.result.behind,
      untracked: inv.result.untracked,
      summary: inv.result.summary,
      ...(inv.result.nodeImages?.[0] ? { upgradeTo: inv.result.nodeImages[0].upgradeTo } : {}),
    })),
  };
}

/** Both lists count: a machine that skipped a release must not pass the gate. */
function gateFails(answer: CheckAnswer, level: Threshold): boolean {
  const { affected, behind } = answer.combined;
  return [...affected, ...behind].some((update) => reachesThreshold(update, level));
}
