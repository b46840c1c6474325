import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { loadConfig } from '../../config.js';
import { InputError } from '../../errors.js';
import { parseInventory } from '../../domain/inventory/index.js';
import { matchInventory } from '../../domain/match.js';
import { SEVERITIES } from '../../domain/types.js';
import type { MatchResult } from '../../domain/types.js';
import { loadReleaseChanges } from '../../services/release-changes.js';
import { formatMarkdown } from '../output/markdown.js';
import { formatTable } from '../output/table.js';
import { progressReporter } from '../progress.js';
import { readStdin } from '../stdin.js';

const FORMATS = ['table', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ['any', 'low', 'medium', 'high', 'critical'] as const;
type FailOn = (typeof FAIL_ON)[number];

interface CheckOptions {
  inventory: string;
  release: string;
  line: string;
  format: Format;
  failOn?: FailOn;
  cache: boolean;
}

export function checkCommand(): Command {
  return new Command('check')
    .description(
      'Show which installed packages a release updates, and which CVEs it fixes for them',
    )
    .requiredOption(
      '-i, --inventory <file|->',
      'package list: rpm -qa output, the rich --qf query, AKS release notes, or a CycloneDX/SPDX JSON SBOM; "-" reads stdin',
    )
    .option('-r, --release <tag|latest>', 'release tag, e.g. 3.0.20260429-3.0', 'latest')
    .option('-l, --line <line>', 'release line used by "latest"', '3.0')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'),
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 3 when an affected package has this severity or worse ("any" = any update; "unknown" ranks below "low")',
      ).choices(FAIL_ON),
    )
    .option('--no-cache', 'do not reuse spec files downloaded by earlier runs')
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
      const config = loadConfig();
      const inventory = parseInventory(await readInventory(options.inventory));
      const changeSet = await loadReleaseChanges(config, {
        tag: options.release,
        line: options.line,
        useCache: options.cache,
        onProgress: progressReporter(process.stderr),
      });
      const result = matchInventory(inventory, changeSet.changeSet, changeSet.lookup);
      process.stdout.write(render(result, options.format));
      if (options.failOn !== undefined && reachesThreshold(result, options.failOn)) {
        process.exitCode = 3;
      }
    });
}

async function readInventory(path: string): Promise<string> {
  if (path === '-') return readStdin(process.stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      `cannot read inventory ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
    );
  }
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
