import { Command, Option } from 'commander';
import { releaseLineOf } from '../../domain/changeset.js';
import { InputError } from '../../errors.js';
import { releaseSummary } from '../../services/release-answers.js';
import { RELEASES_ROUTE } from '../../services/check-wire.js';
import type { ReleaseSummary } from '../../services/release-summary.js';
import {
  answerFrom,
  dataSourceFor,
  withSourceOptions,
  type SourceOptions,
} from '../check-source.js';
import { assertLine } from '../match-options.js';
import { serverGet } from '../server-client.js';
import {
  checkOutputPath,
  emit,
  withOutputOptions,
  type OutputOptions,
} from '../output/destination.js';
import { formatReleaseMarkdown, formatReleaseTable } from '../output/release-note.js';
import { stderrReporter } from '../progress.js';

const FORMATS = ['table', 'json', 'markdown'] as const;

interface ReleaseOptions extends OutputOptions, SourceOptions {
  line?: string;
  format: (typeof FORMATS)[number];
  oval: boolean;
}

/** Options `release` and `releases` share: the line, and where the data comes from. */
export function withReleaseOptions(command: Command): Command {
  return withSourceOptions(
    withOutputOptions(command).option(
      '-l, --line <line>',
      "release line (default: the tag's, or 3.0)",
    ),
  );
}

/** The line a command is about: the tag's own, --line, or 3.0; a contradiction is exit 2. */
export function lineFor(tag: string, line: string | undefined): string {
  if (line !== undefined) assertLine(line);
  const tagLine = tag === 'latest' ? null : releaseLineOf(tag);
  if (tagLine !== null && line !== undefined && line !== tagLine) {
    throw new InputError(`${tag} is a ${tagLine} release, not ${line} (--line)`);
  }
  return tagLine ?? line ?? '3.0';
}

export function releaseCommand(): Command {
  return withReleaseOptions(
    new Command('release')
      .description('Summarize what a whole release changes: counts, notable updates, every change')
      .argument('[tag]', 'release tag, or "latest" (the newest on --line)', 'latest'),
  )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'),
    )
    .option('--no-oval', 'leave out the Azure Linux OVAL feed (CVEs from changelogs only)')
    .addHelpText(
      'after',
      `
Examples:
  # The newest 3.0 release, as a release note for a wiki or a chat message
  azl-notifier release latest --format markdown

  # A given release, as JSON
  azl-notifier release 3.0.20260429-3.0 --format json

Notable updates are the kernel (every kernel-* spec, by version), the toolchains and
language runtimes (gcc, glibc, binutils, LLVM, Go, Rust, Node.js, Python, Perl, Ruby, PHP,
Java, .NET, Erlang), and any update that fixes a critical or high CVE or five CVEs or more.`,
    )
    .action(async (tag: string, options: ReleaseOptions) => {
      const line = lineFor(tag, options.line);
      await checkOutputPath(options);
      const reporter = stderrReporter(process.stderr, { quiet: options.quiet });
      const query = { tag, line, oval: options.oval };
      const summary = await answerFrom(
        await dataSourceFor(options, reporter),
        reporter,
        (session) => releaseSummary(session, query),
        serverGet(
          `${RELEASES_ROUTE}/${encodeURIComponent(tag)}`,
          { line, oval: String(options.oval) },
          (answer): answer is ReleaseSummary =>
            typeof (answer as ReleaseSummary | null)?.release?.tag === 'string',
        ),
      );
      const text =
        options.format === 'json'
          ? `${JSON.stringify(summary, null, 2)}\n`
          : options.format === 'markdown'
            ? formatReleaseMarkdown(summary)
            : formatReleaseTable(summary);
      await emit(options, text);
    });
}
