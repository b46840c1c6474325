import { Command, InvalidArgumentError, Option } from 'commander';
import { cachedReleases } from '../../services/release-session.js';
import { releaseCounts, type ReleaseCounts } from '../../services/release-counts.js';
import { newestRelease, previousRelease } from '../../sources/releases.js';
import { checkOutputPath, emit, type OutputOptions } from '../output/destination.js';
import { stderrReporter } from '../progress.js';
import { sessionFor } from '../session.js';
import { lineFor, withReleaseOptions } from './release.js';

const FORMATS = ['table', 'json'] as const;

interface ReleasesOptions extends OutputOptions {
  line?: string;
  limit: number;
  format: (typeof FORMATS)[number];
  cache: boolean;
  offline?: boolean;
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
      const session = sessionFor(options, reporter);
      let all = await cachedReleases(session, false);
      let listed = newestFirst(all, line).slice(0, options.limit);
      let baseline = listed.length ? previousRelease(all, listed[listed.length - 1]!) : null;
      // The first page reaches years back; only a long --limit needs the rest.
      if (listed.length < options.limit || baseline === null) {
        all = await cachedReleases(session, true);
        listed = newestFirst(all, line).slice(0, options.limit);
        baseline = listed.length ? previousRelease(all, listed[listed.length - 1]!) : null;
      }
      const counts = await releaseCounts(session, listed, baseline);
      await emit(
        options,
        options.format === 'json'
          ? `${JSON.stringify(counts.map(toJson), null, 2)}\n`
          : table(counts, line),
      );
    });
}

/** A line's releases, newest first by the version in the tag. */
function newestFirst(all: Parameters<typeof newestRelease>[0], line: string) {
  const out = [];
  let rest = all.filter((r) => r.line === line);
  for (let next = newestRelease(rest, line); next; next = newestRelease(rest, line)) {
    out.push(next);
    rest = rest.filter((r) => r !== next);
  }
  return out;
}

function toJson(c: ReleaseCounts) {
  return {
    tag: c.release.tag,
    line: c.release.line,
    publishedAt: c.release.publishedAt,
    url: c.release.url,
    previousTag: c.previousTag,
    packages: c.packages,
  };
}

function table(counts: ReleaseCounts[], line: string): string {
  if (counts.length === 0) return `No ${line} release found.\n`;
  const rows = [
    ['TAG', 'PUBLISHED', 'UPDATED', 'ADDED', 'REMOVED'],
    ...counts.map((c) => [
      c.release.tag,
      c.release.publishedAt.slice(0, 10),
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
