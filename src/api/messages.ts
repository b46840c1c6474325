import { button, layout } from '../notify/email/html.js';
import { escapeHtml } from '../security/escape-html.js';
import type { RenderedEmail } from '../notify/email/render.js';
import {
  plain,
  toTeamsMessage,
  type AdaptiveCard,
  type TeamsMessage,
} from '../notify/teams/card.js';
import { inertText } from '../notify/user-text.js';

/**
 * The API's own messages: the double opt-in mail and the test notification. Pure
 * renderers in the notifiers' visual language; sending is the adapters' job.
 */

export function confirmationEmail(subscriptionName: string, confirmUrl: string): RenderedEmail {
  const name = inertText(subscriptionName.slice(0, 80));
  const subject = `Confirm Azure Linux release notifications for ${name}`;
  const text = [
    `Someone asked for Azure Linux release notifications for "${name}" to be sent to this address.`,
    '',
    `To confirm, open: ${confirmUrl}`,
    '',
    'If this was not you, ignore this mail: nothing more will be sent unless the link is opened.',
    'The link expires in 7 days.',
  ].join('\n');
  const html = layout({
    title: subject,
    preheader: 'Confirm this address to start receiving notifications.',
    content: `<p>Someone asked for Azure Linux release notifications for <strong>${escapeHtml(name)}</strong> to be sent to this address.</p><p>${button(confirmUrl, 'Confirm this address', true)}</p>`,
    footer:
      'If this was not you, ignore this mail: nothing more will be sent unless the link is opened. The link expires in 7 days.',
  });
  return { subject, text, html };
}

export function testEmail(subscriptionName: string): RenderedEmail {
  const name = inertText(subscriptionName.slice(0, 80));
  const subject = `Test notification for ${name}`;
  const line = `This is a test from azl-notifier: release notifications for "${name}" reach this address.`;
  return {
    subject,
    text: line,
    html: layout({
      title: subject,
      preheader: line,
      content: `<p>${escapeHtml(line)}</p>`,
      footer: '',
    }),
  };
}

export function testTeamsMessage(subscriptionName: string): TeamsMessage {
  const card: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        text: 'azl-notifier test notification',
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
      },
      plain(
        `Azure Linux release notifications for "${inertText(subscriptionName.slice(0, 80))}" reach this channel.`,
      ),
    ],
    actions: [],
  };
  return toTeamsMessage(card);
}
