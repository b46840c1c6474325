import { Command, Option } from 'commander';
import { SEVERITIES } from '../../domain/types.js';
import type { MatchResult } from '../../domain/types.js';
import { matchFromOptions, withMatchOptions } from '../match-options.js';
import type { MatchOptions } from '../match-options.js';
import { formatMarkdown } from '../output/markdown.js';
import { formatTable } from '../output/table.js';

const FORMATS = ['table', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ['any', 'low', 'medium', 'high', 'critical'] as const;
type FailOn = (typeof FAIL_ON)[number];

interface CheckOptions extends MatchOptions {
  format: Format;
  failOn?: FailOn;
}

export function checkCommand(): Command {
  return withMatchOptions(
    new Command('check').description(
      'Show which installed packages a release updates, and which CVEs it fixes for them',
    ),
  )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'),
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 3 when an affected package has this severity or worse ("any" = any update; "unknown" ranks below "low")',
      ).choices(FAIL_ON),
    )
    .addHelpText(
      'after',
      `
Examples:
  # What does the newest 3.0 release change on this VM?
  rpm -qa | azl-notifier check --inventory -

  # Exact source mapping (recommended): the rich query
  rpm -qa --qf '%{NAME}|%{EPOCHNUM}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SOURCERPM}\\n' > node.txt
  azl-notifier check -i node.txt --release 3.0.20260429-3.0

  # Gate a pipeline that builds on an Azure Linux image (SBOM from syft)
  syft my-image:tag -o cyclonedx-json > sbom.json
  azl-notifier check -i sbom.json --fail-on high --format markdown >> "$GITHUB_STEP_SUMMARY"

JSON output (--format json) is a stable shape:
  {release:{tag,line,publishedAt,url,previousTag,compareUrl},
   affected:[{package,installed,fixed,sourcePackage,cves:[{id,severity}],severity}],
   untracked:[name], summary:{affected,cves,bySeverity}}`,
    )
    .action(async (options: CheckOptions) => {
      const result = await matchFromOptions(options);
      process.stdout.write(render(result, options.format));
      if (options.failOn !== undefined && reachesThreshold(result, options.failOn)) {
        process.exitCode = 3;
      }
    });
}

function render(result: MatchResult, format: Format): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'markdown':
      return formatMarkdown(result);
    case 'table':
      return formatTable(result);
  }
}

function reachesThreshold(result: MatchResult, failOn: FailOn): boolean {
  if (failOn === 'any') return result.affected.length > 0;
  const min = SEVERITIES.indexOf(failOn);
  return result.affected.some((pkg) => SEVERITIES.indexOf(pkg.severity) >= min);
}
