import { describe, expect, it } from 'vitest';
import {
  CreateSubscriptionRequest,
  PatchSubscriptionRequest,
  SubscriptionView,
} from '../../../src/api/schemas.js';
import { maskWebhookUrl, toSubscriptionView } from '../../../src/api/views.js';
import type { Subscription } from '../../../src/domain/subscription.js';

/** The exact creation body from issue 3, item 6, which must stay valid. */
const ISSUE_3_BODY = {
  name: 'aks-prod-weu',
  lines: ['3.0'],
  channels: [
    { type: 'teams', webhookUrl: 'https://contoso.webhook.office.com/webhookb2/x' },
    { type: 'email', address: 'oncall@example.com', frequency: 'instant' },
  ],
  inventories: [{ name: 'nodepool-system', content: 'openssl-3.3.5-1.azl3.x86_64\n' }],
};

const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((i) => i.path.map(String).join('.'));

describe('CreateSubscriptionRequest', () => {
  it('accepts the first documented shape and fills defaults', () => {
    const parsed = CreateSubscriptionRequest.parse(ISSUE_3_BODY);
    expect(parsed.filters).toEqual({});
    expect(parsed.channels[1]).toEqual({
      type: 'email',
      address: 'oncall@example.com',
      frequency: 'instant',
    });
  });

  it('accepts filters and digest settings', () => {
    const body = {
      ...ISSUE_3_BODY,
      channels: [
        {
          type: 'email',
          address: 'a@example.com',
          frequency: 'weekly',
          hourUtc: 6,
          weekday: 1,
          heartbeat: true,
        },
      ],
      filters: {
        minSeverity: 'high',
        include: ['openssl*', 'kernel-*'],
        exclude: ['kernel-docs'],
        onlyWithCves: true,
      },
    };
    expect(CreateSubscriptionRequest.safeParse(body).success).toBe(true);
  });

  it.each([
    ['unknown top-level field', { ...ISSUE_3_BODY, owner: 'x' }, ''],
    [
      'unknown channel field',
      {
        ...ISSUE_3_BODY,
        channels: [{ type: 'teams', webhookUrl: 'https://a.webhook.office.com/', secret: 1 }],
      },
      'channels.0',
    ],
    ['unknown filter field', { ...ISSUE_3_BODY, filters: { minSeverty: 'high' } }, 'filters'],
    [
      'unknown channel type',
      { ...ISSUE_3_BODY, channels: [{ type: 'slack', url: 'x' }] },
      'channels.0.type',
    ],
    [
      'bad email',
      { ...ISSUE_3_BODY, channels: [{ type: 'email', address: 'not-an-address' }] },
      'channels.0.address',
    ],
    ['no channels', { ...ISSUE_3_BODY, channels: [] }, 'channels'],
    [
      'duplicate address (case-insensitive)',
      {
        ...ISSUE_3_BODY,
        channels: [
          { type: 'email', address: 'a@example.com' },
          { type: 'email', address: 'A@example.com' },
        ],
      },
      'channels.1',
    ],
    ['bad line', { ...ISSUE_3_BODY, lines: ['three'] }, 'lines.0'],
    ['no lines', { ...ISSUE_3_BODY, lines: [] }, 'lines'],
    [
      'bad severity',
      { ...ISSUE_3_BODY, filters: { minSeverity: 'urgent' } },
      'filters.minSeverity',
    ],
    ['bad glob', { ...ISSUE_3_BODY, filters: { include: ['a b'] } }, 'filters.include.0'],
    [
      'hour on instant',
      { ...ISSUE_3_BODY, channels: [{ type: 'email', address: 'a@example.com', hourUtc: 5 }] },
      'channels.0.hourUtc',
    ],
    [
      'weekday on daily',
      {
        ...ISSUE_3_BODY,
        channels: [{ type: 'email', address: 'a@example.com', frequency: 'daily', weekday: 2 }],
      },
      'channels.0.weekday',
    ],
    [
      'hour out of range',
      {
        ...ISSUE_3_BODY,
        channels: [{ type: 'email', address: 'a@example.com', frequency: 'daily', hourUtc: 24 }],
      },
      'channels.0.hourUtc',
    ],
    [
      'bad inventory name',
      { ...ISSUE_3_BODY, inventories: [{ name: '../etc', content: '' }] },
      'inventories.0.name',
    ],
    [
      'duplicate inventory name',
      {
        ...ISSUE_3_BODY,
        inventories: [
          { name: 'a', content: '' },
          { name: 'A', content: '' },
        ],
      },
      'inventories.1',
    ],
    ['blank name', { ...ISSUE_3_BODY, name: '   ' }, 'name'],
    ['name with control chars', { ...ISSUE_3_BODY, name: 'a\u0007b' }, 'name'],
  ])('rejects %s at its field path', (_label, body, path) => {
    const result = CreateSubscriptionRequest.safeParse(body);
    expect(result.success).toBe(false);
    expect(paths(result)).toContain(path);
  });
});

describe('PatchSubscriptionRequest', () => {
  it('accepts partial edits, including channels referenced by id without their secret', () => {
    expect(PatchSubscriptionRequest.safeParse({ name: 'renamed' }).success).toBe(true);
    expect(
      PatchSubscriptionRequest.safeParse({
        channels: [
          { id: 'teams-1', type: 'teams' },
          { type: 'email', address: 'b@example.com' },
        ],
      }).success,
    ).toBe(true);
  });

  it.each([
    ['empty patch', {}, ''],
    ['unknown field', { token: 'x' }, ''],
    ['id cannot be patched', { id: 'other' }, ''],
    [
      'duplicate channel ids',
      {
        channels: [
          { id: 'email-1', type: 'email' },
          { id: 'email-1', type: 'email' },
        ],
      },
      'channels.1',
    ],
    ['bad channel id', { channels: [{ id: 'x', type: 'teams' }] }, 'channels.0.id'],
  ])('rejects %s', (_label, body, path) => {
    const result = PatchSubscriptionRequest.safeParse(body);
    expect(result.success).toBe(false);
    expect(paths(result)).toContain(path);
  });
});

describe('views', () => {
  const stored: Subscription = {
    id: 'sub-1',
    name: 'aks-prod-weu',
    lines: ['3.0'],
    channels: [
      {
        id: 'teams-1',
        type: 'teams',
        webhookUrl: 'https://contoso.webhook.office.com/webhookb2/SECRET?sig=S',
      },
      { id: 'email-2', type: 'email', address: 'oncall@example.com', frequency: 'instant' },
      {
        id: 'email-3',
        type: 'email',
        address: 'b@example.com',
        frequency: 'weekly',
        weekday: 1,
        confirmedAt: '2026-01-01T00:00:00Z',
      },
    ],
    filters: { minSeverity: 'high' },
    inventoryNames: ['nodepool-system'],
    tokenHash: 'sha256:abc',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };

  it('masks webhook URLs to their origin', () => {
    expect(maskWebhookUrl('https://contoso.webhook.office.com/webhookb2/SECRET')).toBe(
      'https://contoso.webhook.office.com/…(masked)',
    );
    expect(maskWebhookUrl('not a url')).toBe('…(masked)');
  });

  it('never shows the webhook secret or the token hash, and reports confirmation status', () => {
    const view = toSubscriptionView(stored);
    expect(SubscriptionView.parse(view)).toEqual(view);
    const text = JSON.stringify(view);
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('sha256');
    expect(view.channels.map((c) => (c.type === 'email' ? c.status : c.webhookUrl))).toEqual([
      'https://contoso.webhook.office.com/…(masked)',
      'pending-confirmation',
      'confirmed',
    ]);
    expect(view.inventories).toEqual([{ name: 'nodepool-system' }]);
  });
});
