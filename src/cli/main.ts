import { Command, CommanderError, Help, type Option } from 'commander';
import { bundleCommand } from './commands/bundle.js';
import { checkCommand } from './commands/check.js';
import { releaseCommand } from './commands/release.js';
import { releasesCommand } from './commands/releases.js';
import { renderCommand } from './commands/render.js';
import { vercmpCommand } from './commands/vercmp.js';
import { reportError } from './errors.js';
import { cliSettings } from './settings.js';
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
  .addCommand(releaseCommand())
  .addCommand(releasesCommand())
  .addCommand(renderCommand())
  .addCommand(bundleCommand())
  .addCommand(vercmpCommand())
  .addHelpText(
    'after',
    `
Exit codes:
  0  success (for check: nothing at or above --fail-on)
  2  bad input, usage or setting (the message names the file, line, flag or setting)
  3  check --fail-on: something affected, behind or replaced has that severity or worse;
     --fail-on-unsupported: an installed package is no longer shipped
  4  unknown release tag, or an AKS cluster or Azure subscription that does not exist, or
     check --bundle: the release is not in this bundle (the message gives the date it was made)
  5  GitHub, a configured OVAL feed, Azure Resource Manager or the --server deployment
     unreachable or rate limited (set GITHUB_TOKEN for a higher GitHub limit, or use --server
     or --bundle), or --offline and the cache lacks what is needed
  6  Azure sign-in failed (the message gives the credential chain's reasons), or the
     identity lacks Reader on a cluster or subscription (the message names the scope)
  7  check --require-fresh-feed: the OVAL feed is older than --max-feed-age, or none was read;
     check --bundle --fail-on: the bundle is older than --max-bundle-age
  8  check --bundle: the bundle is damaged or altered (a member does not match its SHA-256 in
     the manifest), or is no bundle
  11/12  vercmp: A > B / A < B (as rpmdev-vercmp)

Settings (environment): GITHUB_TOKEN, GITHUB_API_URL, AZL_REPO, AZL_OVAL_URL,
AKS_NODE_IMAGE_REPO, AZL_CACHE_DIR (or XDG_CACHE_HOME), AZL_HTTP_TIMEOUT_SECONDS, NO_COLOR,
AZL_DEBUG, AZURE_RESOURCE_MANAGER_URL, AZL_SERVER_URL and AZL_SERVER_KEY (--server; the
key only ever from the environment), AZL_BUNDLE (--bundle); and Azure's own sign-in variables (AZURE_CLIENT_ID,
AZURE_TENANT_ID, AZURE_TOKEN_CREDENTIALS, ...), read by DefaultAzureCredential.
Run 'azl-notifier <command> --help' for examples.`,
  );

/** AZL_DEBUG=1 adds stack traces; a broken setting must not hide the real error. */
function debugRequested(): boolean {
  try {
    return cliSettings().cli.AZL_DEBUG;
  } catch {
    return false;
  }
}

/** Commander shows no mark for mandatory options; a user should not learn it from an error. */
class MarkRequired extends Help {
  override optionDescription(option: Option): string {
    const text = super.optionDescription(option);
    return option.mandatory ? `${text} (required)` : text;
  }
}

// Commander copies these settings only to subcommands it creates itself, not to added ones,
// nor to theirs (bundle create).
const all = (commands: readonly Command[]): Command[] =>
  commands.flatMap((command) => [command, ...all(command.commands)]);
for (const command of all(program.commands)) {
  command.exitOverride().showHelpAfterError('(run with --help for usage)');
  command.createHelp = () => Object.assign(new MarkRequired(), command.configureHelp());
}

// `azl-notifier release … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// A function, not top-level await: the CLI ships as one CommonJS bundle (scripts/bundle-cli.ts).
async function run(): Promise<void> {
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
}

void run();
