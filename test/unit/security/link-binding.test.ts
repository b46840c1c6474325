import { describe, expect, it } from 'vitest';
import type { Channel, Subscription } from '../../../src/domain/subscription.js';
import {
  channelFingerprint,
  linkState,
  signChannelLink,
  verifyChannelLink,
} from '../../../src/security/link-binding.js';
import { hashToken, type LinkPurpose } from '../../../src/security/tokens.js';

const KEY = 'test-signing-key-0123456789abcdef';
const NOW = new Date('2026-05-01T12:00:00Z');

const teams: Channel = {
  id: 'teams-1',
  type: 'teams',
  webhookUrl: 'https://contoso.webhook.office.com/hook?sig=A',
  addedAt: '2026-04-01T00:00:00.000Z',
};
const confirmed: Channel = {
  id: 'email-1',
  type: 'email',
  address: 'a@example.com',
  frequency: 'instant',
  addedAt: '2026-04-01T00:00:00.000Z',
  confirmedAt: '2026-04-02T00:00:00.000Z',
};
const pending: Channel = {
  id: 'email-2',
  type: 'email',
  address: 'b@example.com',
  frequency: 'instant',
  addedAt: '2026-04-01T00:00:00.000Z',
};

const subscription = (channels: Channel[], token = 'azln_one'): Subscription => ({
  id: 'sub-1',
  name: 'prod',
  lines: ['3.0'],
  channels,
  filters: {},
  inventoryNames: [],
  tokenHash: hashToken(token),
  createdAt: '2026-04-01T00:00:00.000Z',
  updatedAt: '2026-04-01T00:00:00.000Z',
});

const SUB = subscription([teams, confirmed, pending]);

/** What a link signed for `channel` of SUB is worth against `now`. */
const stateOf = (purpose: LinkPurpose, channel: Channel, now: Subscription | undefined) => {
  const token = signChannelLink(purpose, SUB, channel, KEY, NOW);
  const state = verifyChannelLink(token, purpose, now, KEY, NOW);
  return state.ok ? 'ok' : state.refusal;
};

describe('signed links bound to the subscription as it is now', () => {
  it('open what they were signed for while nothing changed', () => {
    expect(stateOf('manage', teams, SUB)).toBe('ok');
    expect(stateOf('session', confirmed, SUB)).toBe('ok');
    expect(stateOf('confirm-email', pending, SUB)).toBe('ok');
    expect(stateOf('unsubscribe', confirmed, SUB)).toBe('ok');
  });

  it('end with a token rotation, whatever their kind', () => {
    const rotated = { ...SUB, tokenHash: hashToken('azln_two') };
    for (const [purpose, channel] of [
      ['manage', teams],
      ['session', confirmed],
      ['confirm-email', pending],
      ['unsubscribe', confirmed],
    ] as const) {
      expect(stateOf(purpose, channel, rotated), purpose).toBe('rotated');
    }
  });

  it('end when their channel is removed, or its id comes back for another destination', () => {
    const removed = subscription([teams, confirmed]);
    expect(stateOf('manage', pending, removed)).toBe('channel-gone');
    expect(stateOf('confirm-email', pending, removed)).toBe('channel-gone');
    // email-2 given to another address later: the old links name the old one.
    const reused = subscription([teams, confirmed, { ...pending, address: 'c@example.com' }]);
    expect(stateOf('confirm-email', pending, reused)).toBe('channel-gone');
    // The same address removed and added again is a new destination too (a new addedAt).
    const readded = subscription([
      teams,
      confirmed,
      { ...pending, addedAt: '2026-04-20T00:00:00.000Z' },
    ]);
    expect(stateOf('confirm-email', pending, readded)).toBe('channel-gone');
    // A Teams channel whose webhook URL was replaced keeps its id, not its links.
    const replaced = subscription([{ ...teams, webhookUrl: 'https://x.webhook.office.com/h' }]);
    expect(stateOf('manage', teams, replaced)).toBe('channel-gone');
  });

  it('refuse a channel that never existed and a subscription that is gone', () => {
    const ghost: Channel = { ...confirmed, id: 'email-99' };
    expect(stateOf('manage', ghost, SUB)).toBe('channel-gone');
    expect(stateOf('manage', teams, undefined)).toBe('gone');
    expect(stateOf('manage', teams, { ...SUB, id: 'sub-2' })).toBe('gone');
  });

  it('open the pages only for an address that is confirmed and subscribed', () => {
    expect(stateOf('manage', pending, SUB)).toBe('unconfirmed');
    expect(stateOf('session', pending, SUB)).toBe('unconfirmed');
    const unsubscribed = subscription([
      teams,
      { ...confirmed, unsubscribedAt: '2026-04-03T00:00:00.000Z' },
      pending,
    ]);
    expect(stateOf('manage', confirmed, unsubscribed)).toBe('unsubscribed');
    expect(stateOf('session', confirmed, unsubscribed)).toBe('unsubscribed');
    // Unsubscribing again is the caller's to answer (idempotent), not a refusal.
    expect(stateOf('unsubscribe', confirmed, unsubscribed)).toBe('ok');
  });

  it('confirm an address once, and never one that unsubscribed', () => {
    const done = subscription([teams, confirmed, { ...pending, confirmedAt: NOW.toISOString() }]);
    expect(stateOf('confirm-email', pending, done)).toBe('already-confirmed');
    const left = subscription([teams, confirmed, { ...pending, unsubscribedAt: 'x' }]);
    expect(stateOf('confirm-email', pending, left)).toBe('unsubscribed');
  });

  it('refuse confirm and unsubscribe links that name a Teams channel', () => {
    expect(stateOf('confirm-email', teams, SUB)).toBe('channel-gone');
    expect(stateOf('unsubscribe', teams, SUB)).toBe('channel-gone');
  });

  it('fingerprint a destination with the key, never in the clear', () => {
    const print = channelFingerprint(teams, KEY);
    expect(print).not.toContain('contoso');
    expect(print).not.toBe(channelFingerprint(teams, 'another-key-0123456789abcdef-0123456789'));
    // Addresses compare as mail does: case does not make another mailbox here.
    expect(channelFingerprint({ ...confirmed, address: 'A@Example.com' }, KEY)).toBe(
      channelFingerprint(confirmed, KEY),
    );
    const claims = JSON.parse(
      Buffer.from(
        signChannelLink('manage', SUB, teams, KEY, NOW).split('.')[0]!,
        'base64url',
      ).toString('utf8'),
    ) as Record<string, unknown>;
    expect(JSON.stringify(claims)).not.toContain('webhook');
    expect(linkState({ ...claims, exp: 0 } as never, SUB, KEY)).toMatchObject({ ok: true });
  });
});
