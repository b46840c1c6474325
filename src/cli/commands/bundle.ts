import { Command, Option } from 'commander';
import { InputError } from '../../errors.js';
import { sha256 } from '../../services/bundle.js';
import { makeBundle } from '../../services/bundle-create.js';
import { writeBundle } from '../../services/bundle-file.js';
import { assertLine } from '../../services/check.js';
import { stderrReporter } from '../progress.js';
import { sessionFor } from '../session.js';

interface CreateOptions {
  line: string;
  since?: string;
  output: string;
  cache: boolean;
  oval: boolean;
  nodeImages?: string[];
  quiet?: boolean;
}

export function bundleCommand(): Command {
  return new Command('bundle')
    .description('Make a bundle for machines without network: check --bundle answers from it')
    .addCommand(createCommand());
}

function createCommand(): Command {
  return new Command('create')
    .description(
      "Write everything check needs for a line's releases to one file: the release list, change sets, every spec a machine can be behind on, the OVAL feed, node-image notes, and a manifest with the SHA-256 of each member",
    )
    .addOption(new Option('-l, --line <line>', 'release line').default('3.0'))
    .option('--since <tag>', 'the oldest release to include (default: every release of the line)')
    .requiredOption('-o, --output <file>', 'where to write the bundle (.tar.gz)')
    .option('--no-cache', 'do not reuse (or keep) anything downloaded by earlier runs')
    .option('--no-oval', 'leave out the Azure Linux OVAL feed (CVEs from changelogs only)')
    .option(
      '--node-images <skus>',
      'node image variants to carry notes for, comma-separated as image names say them (e.g. V3gen2,V3gen2arm64), or "none" (default: every variant of the line)',
      (value: string) => (value === 'none' ? [] : value.split(',').map((s) => s.trim())),
    )
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  # On a connected machine (GITHUB_TOKEN: a cold bundle reads every spec, thousands of
  # requests; the anonymous limit is 60 an hour)
  GITHUB_TOKEN=... azl-notifier bundle create --line 3.0 -o azl-3.0.tar.gz

  # Only releases since a tag, and the node images your pools run: smaller; a release or
  # node image older than the tag is "not in this bundle"
  azl-notifier bundle create --line 3.0 --since 3.0.20260331-3.0 --node-images V3gen2 \
    -o azl-3.0.tar.gz

  # Or fetch the newest one from your deployment (the check key in AZL_SERVER_KEY)
  curl -fsS -H "x-functions-key: $AZL_SERVER_KEY" -o azl-3.0.tar.gz \\
    https://azl.example.com/api/bundles/3.0

  # Then, on the machine without network
  azl-notifier check -i node.txt --bundle azl-3.0.tar.gz --fail-on high

The bundle is a gzip'd tar (tar -tzf lists it). check --bundle verifies the SHA-256 of every
member against manifest.json before answering, and refuses a bundle that does not match
(exit 8). To trust the file itself, compare its own SHA-256 (printed here) out of band.`,
    )
    .action(async (options: CreateOptions) => {
      assertLine(options.line);
      if (!/\.(tar\.gz|tgz)$/.test(options.output)) {
        throw new InputError(`-o ${options.output}: a bundle is a .tar.gz file`);
      }
      const reporter = stderrReporter(process.stderr, { quiet: options.quiet });
      const session = sessionFor({ cache: options.cache }, reporter);
      const { manifest, bytes } = await makeBundle(session, {
        line: options.line,
        since: options.since,
        oval: options.oval,
        nodeImageSkus: options.nodeImages,
      });
      await writeBundle(options.output, bytes);
      const newest = manifest.releases[0]?.tag ?? '';
      const oldest = manifest.releases.at(-1)?.tag ?? '';
      process.stderr.write(
        `Wrote ${options.output}: ${manifest.releases.length} releases (${oldest} … ${newest}), ${Object.keys(manifest.members).length} members, ${(bytes.length / 1e6).toFixed(1)} MB, sha256 ${sha256(bytes)}\n`,
      );
    });
}
