import { Command, InvalidArgumentError, Option } from 'commander';
import { RELEASES_ROUTE } from '../../services/check-wire.js';
import { listReleaseCounts, type ReleaseCountsJson } from '../../services/release-answers.js';
import { answerFrom, dataSourceFor, type SourceOptions } from '../check-source.js';
import { checkOutputPath, emit, type OutputOptions } from '../output/destination.js';
import { stderrReporter } from '../progress.js';
import { serverGet } from '../server-client.js';
import { lineFor, withReleaseOptions } from './release.js';

const FORMATS = ['table', 'json'] as const;

interface ReleasesOptions extends OutputOptions, SourceOptions {
  line?: string;
  limit: number;
  format: (typeof FORMATS)[number];
}

const limitOf = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new InvalidArgumentError('must be a whole number from 1 to 100');
  }
  return n;
};

export function releasesCommand(): Command {
  return withReleaseOptions(
    new Command('releases').description(
      'List the releases of a line, newest first, with their dates and how many packages each changed',
    ),
  )
    .option('-n, --limit <n>', 'how many releases (1 to 100)', limitOf, 10)
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'),
    )
    .addHelpText(
      'after',
      `
Examples:
  azl-notifier releases
  azl-notifier releases --line 3.0 --limit 3 --format json

Counts are source packages whose version moved, from each tag's spec tree: one GitHub
request per release, none once cached. 'azl-notifier release <tag>' shows one release's CVEs.`,
    )
    .action(async (options: ReleasesOptions) => {
      const line = lineFor('latest', options.line);
      await checkOutputPath(options);
      const reporter = stderrReporter(process.stderr, { quiet: options.quiet });
      const query = { line, limit: options.limit };
      const counts = await answerFrom(
        await dataSourceFor(options, reporter),
        reporter,
        (session) => listReleaseCounts(session, query),
        serverGet(
          RELEASES_ROUTE,
          { line, limit: String(options.limit) },
          (answer): answer is ReleaseCountsJson[] => Array.isArray(answer),
        ),
      );
      await emit(
        options,
        options.format === 'json' ? `${JSON.stringify(counts, null, 2)}\n` : table(counts, line),
      );
    });
}

function table(counts: ReleaseCountsJson[], line: string): string {
  if (counts.length === 0) return `No ${line} release found.\n`;
  const rows = [
    ['TAG', 'PUBLISHED', 'UPDATED', 'ADDED', 'REMOVED'],
    ...counts.map((c) => [
      c.tag,
      c.publishedAt.slice(0, 10),
      ...(c.packages
        ? [c.packages.updated, c.packages.added, c.packages.removed].map(String)
        : ['-', '-', '-']),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
