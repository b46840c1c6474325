import { Command, CommanderError } from 'commander';
import { checkCommand } from './commands/check.js';
import { renderCommand } from './commands/render.js';
import { vercmpCommand } from './commands/vercmp.js';
import { reportError } from './errors.js';
import { loadConfig } from '../config.js';
import { packageVersion } from '../package-info.js';

/**
 * `azl-notifier`: the release-intelligence core as a command line tool. Exit codes are
 * part of the interface (scripts gate on them), so they are listed in --help.
 */
const program = new Command('azl-notifier')
  .description('What does an Azure Linux release change on your machines?')
  .version(packageVersion, '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addCommand(checkCommand())
  .addCommand(renderCommand())
  .addCommand(vercmpCommand())
  .addHelpText(
    'after',
    `
Exit codes:
  0  success (for check: nothing at or above --fail-on)
  2  bad input or usage (the message names the line or flag)
  3  check --fail-on: something affected has that severity or worse
  4  unknown release tag
  5  GitHub unreachable or rate limited (set GITHUB_TOKEN for a higher limit)
  11/12  vercmp: A > B / A < B (as rpmdev-vercmp)

Settings (environment): GITHUB_API_URL, GITHUB_TOKEN, AZL_REPO, AZL_OVAL_URL.
Run 'azl-notifier <command> --help' for examples.`,
  );

/** AZL_DEBUG=1 adds stack traces; a broken setting must not hide the real error. */
function debugRequested(): boolean {
  try {
    return loadConfig().AZL_DEBUG;
  } catch {
    return false;
  }
}

// Commander copies these settings only to subcommands it creates itself, not to added ones.
for (const command of program.commands) {
  command.exitOverride().showHelpAfterError('(run with --help for usage)');
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed the message; help and version exit 0.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(error, process.stderr, debugRequested());
  }
}
