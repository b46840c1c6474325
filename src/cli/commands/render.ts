import { Command, Option } from 'commander';
import { checkFromOptions, withMatchOptions } from '../match-options.js';
import type { MatchOptions } from '../match-options.js';
import {
  checkOutputPath,
  emit,
  withOutputOptions,
  type OutputOptions,
} from '../output/destination.js';
import { stderrReporter } from '../progress.js';
import { cliSettings } from '../settings.js';

const CHANNELS = ['teams', 'email'] as const;

interface RenderOptions extends MatchOptions, OutputOptions {
  channel: (typeof CHANNELS)[number];
  /** The old name of --output, still accepted. */
  out?: string;
  name: string;
}

/**
 * `azl-notifier render`: writes exactly what a subscriber would receive (the Teams webhook
 * body or the complete email message), so a card or mail can be reviewed before anyone
 * subscribes. Uses the same renderer the pipeline sends with.
 */
export function renderCommand(): Command {
  return withOutputOptions(
    withMatchOptions(
      new Command('render').description(
        'Write the Teams card or email a subscriber with this inventory would receive',
      ),
    ),
  )
    .addOption(
      new Option('-c, --channel <channel>', 'what to render')
        .choices(CHANNELS)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--out <file>').hideHelp())
    .option('-n, --name <subscription>', 'subscription name shown in the message', 'preview')
    .addHelpText(
      'after',
      `
Examples:
  # The Teams webhook body (Adaptive Card 1.4) for a node pool, to paste into the Adaptive Card designer
  azl-notifier render -i nodepool.txt -r 3.0.20260429-3.0 --channel teams --output card.json

  # The complete email (MIME, HTML + text parts), to open in a mail client
  azl-notifier render -i nodepool.txt --channel email --output release.eml`,
    )
    .action(async (options: RenderOptions) => {
      const { email } = cliSettings();
      const output = { output: options.output ?? options.out, quiet: options.quiet };
      await checkOutputPath(output);
      const reporter = stderrReporter(process.stderr, { quiet: options.quiet });
      const { combined: result } = await checkFromOptions(options, reporter);
      // Loaded here: the renderers (Adaptive Cards, MIME) cost every other command's start-up.
      const { renderNotification } = await import('../../notify/preview.js');
      const rendered = await renderNotification(
        {
          subscriptionName: options.name,
          result,
          links: { fullList: result.release.compareUrl ?? result.release.url },
        },
        options.channel,
        { from: email.EMAIL_FROM },
      );
      const toFile = output.output !== undefined && output.output !== '-';
      await emit(output, toFile ? rendered.body : `${rendered.body}\n`);
    });
}
