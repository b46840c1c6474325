import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventGridPublisher } from '../../src/events/event-grid-publisher.js';
import { matchRequested, notificationRequested } from '../../src/events/cloud-events.js';
import { EVENT_GRID_LIMITS } from '../../src/events/publisher.js';

/** A loopback stand-in for an Event Grid topic: records each publish request. */
let server: Server;
let endpoint: string;
const requests: { key: string | undefined; contentType: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        key: req.headers['aeg-sas-key'] as string | undefined,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
});
afterAll(() => new Promise((r) => server.close(r)));

const publisher = () =>
  new EventGridPublisher({
    endpoint,
    key: 'test-topic-key',
    credential: () => {
      throw new Error('the key must be used');
    },
    allowInsecureConnection: true,
  });

describe('EventGridPublisher through the real @azure/eventgrid client', () => {
  it('sends CloudEvents 1.0 with the topic key, in requests within both limits', async () => {
    requests.length = 0;
    const now = new Date('2026-04-30T00:00:00Z');
    const events = Array.from({ length: 12_001 }, (_, i) =>
      notificationRequested(
        { subscriptionId: `s${i}`, channelId: 'teams-1', releaseTag: 't' },
        now,
      ),
    );
    await publisher().publish(events);

    const bodies = requests.map((r) => JSON.parse(r.body) as { id: string }[]);
    expect(bodies.every((b) => b.length <= 5000)).toBe(true);
    expect(requests.every((r) => Buffer.byteLength(r.body) <= 1024 * 1024)).toBe(true);
    expect(bodies.flat().map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(requests.every((r) => r.key === 'test-topic-key')).toBe(true);
    expect(requests[0]?.contentType).toMatch(/application\/cloudevents-batch\+json/);
    const first = (JSON.parse(requests[0]!.body) as Record<string, unknown>[])[0];
    expect(first).toMatchObject({
      specversion: '1.0',
      id: 't/s0/teams-1',
      type: 'azurelinux.notification.requested',
      source: '/azl-notifier',
      subject: '/releases/t/subscriptions/s0/channels/teams-1',
      data: { subscriptionId: 's0', channelId: 'teams-1', releaseTag: 't' },
    });
  });

  it('keeps every request under 1 MB when events are large', async () => {
    requests.length = 0;
    const ids = Array.from({ length: 5000 }, (_, i) => `${'x'.repeat(60)}-${i}`);
    const events = Array.from({ length: 7 }, (_, shard) =>
      matchRequested(
        { releaseTag: 't', line: '3.0', shard, shards: 7, subscriptionIds: ids },
        new Date(),
      ),
    );
    await publisher().publish(events);

    const sizes = requests.map((r) => Buffer.byteLength(r.body));
    expect(requests.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(EVENT_GRID_LIMITS.maxBytes + 4096);
    const shards = requests.flatMap((r) =>
      (JSON.parse(r.body) as { data: { shard: number } }[]).map((e) => e.data.shard),
    );
    expect(shards).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('carries the trace context as the CloudEvents tracing extension attributes', async () => {
    requests.length = 0;
    // A W3C example trace context (www.w3.org/TR/trace-context, section 3.2.2.1).
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const event = {
      ...notificationRequested(
        { subscriptionId: 's', channelId: 'c', releaseTag: 't' },
        new Date(),
      ),
      traceparent,
      tracestate: 'congo=t61rcWkgMzE',
    };
    await publisher().publish([event]);
    const [sent] = JSON.parse(requests[0]!.body) as Record<string, unknown>[];
    expect(sent).toMatchObject({ id: 't/s/c', traceparent, tracestate: 'congo=t61rcWkgMzE' });
  });
});
