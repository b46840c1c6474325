import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { notificationRequested } from '../../src/events/cloud-events.js';
import { startLocalRuntime } from '../../src/app/local-runtime.js';
import type { LocalRuntime } from '../../src/app/local-runtime.js';
import { startTestAzurite } from '../support/azurite.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { localRuntimeSettings } from '../support/local-settings.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';

/**
 * Issue 6: a release's traces span detect → match → deliver, joined by the CloudEvent id.
 * The real pipeline (local runtime, local bus, Azurite, fake GitHub, Teams sink) runs with an
 * OpenTelemetry SDK that keeps spans in memory, set up as @azure/monitor-opentelemetry sets it
 * up in Azure (AsyncLocalStorage context, W3C trace-context propagation).
 */
const GEN2 = path.join(
  import.meta.dirname,
  '..',
  'fixtures',
  'inventories',
  'aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt',
);
const ADMIN_KEY = 'tracing-test-key-0123456789abcdefghij';
const TAG = '3.0.20260429-3.0';

const exporter = new InMemorySpanExporter();
let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let github: FakeGitHub;
let teams: Awaited<ReturnType<typeof startTeamsSink>>;
let local: LocalRuntime;
let dataDir: string;
let subscriptionId = '';
let teamsChannelId = '';

const api = (route: string, init: RequestInit = {}) =>
  fetch(`${local.apiUrl}/${route}`, {
    ...init,
    headers: { 'content-type': 'application/json', 'x-functions-key': ADMIN_KEY },
  });

async function detect(): Promise<void> {
  expect((await api('ops/detect', { method: 'POST' })).status).toBe(200);
  await local.bus!.whenIdle();
}

const processing = (type: string) => `CloudEvents Process ${type}`;
const eventId = (span: ReadableSpan) => span.attributes['cloudevents.event_id'];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  [azurite, github, teams] = await Promise.all([
    startTestAzurite(),
    FakeGitHub.start({ unpublishedTags: [TAG] }),
    startTeamsSink(),
  ]);
  dataDir = await mkdtemp(path.join(tmpdir(), 'azl-tracing-'));
  const config = loadSettings({
    ...localRuntimeSettings({ github, adminKey: ADMIN_KEY, dataDir }),
    AzureWebJobsStorage: azurite.connectionString,
  });
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  local = await startLocalRuntime(config, quiet);

  const res = await api('subscriptions', {
    method: 'POST',
    body: JSON.stringify({
      name: 'traced',
      lines: ['3.0'],
      channels: [{ type: 'teams', webhookUrl: `${teams.url}/traced` }],
      inventories: [{ name: 'nodepool-system', content: await readFile(GEN2, 'utf8') }],
    }),
  });
  expect(res.status).toBe(201);
  subscriptionId = ((await res.json()) as { id: string }).id;
  const stored = await local.runtime.store.getSubscription(subscriptionId);
  teamsChannelId = stored!.value.channels[0]!.id;
  await detect(); // the first run records existing releases as a baseline
}, 60_000);

afterAll(async () => {
  await local?.stop();
  await Promise.all([azurite?.stop(), github?.close(), teams?.close()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('tracing through the event flow', () => {
  it('joins detect, fan-out, match and deliver of a release in one trace, by event id', async () => {
    exporter.reset();
    github.publish(TAG);
    await detect();
    expect(teams.posts.map((p) => p.path)).toEqual(['/traced']);

    const spans = exporter.getFinishedSpans();
    const detectSpan = spans.find((s) => s.name === 'detectNow');
    expect(detectSpan?.kind).toBe(SpanKind.SERVER);
    const traceId = detectSpan!.spanContext().traceId;

    // Event ids as issue 3 defines them: {tag}, {tag}/{shard}, {tag}/{subscription}/{channel}.
    const chain = [
      [processing('azurelinux.release.published'), TAG],
      [processing('azurelinux.release.match-requested'), `${TAG}/0`],
      [
        processing('azurelinux.notification.requested'),
        `${TAG}/${subscriptionId}/${teamsChannelId}`,
      ],
    ] as const;
    let parent = detectSpan!;
    for (const [name, id] of chain) {
      const span = spans.find((s) => s.name === name && eventId(s) === id);
      expect(span, `${name} ${id}`).toBeDefined();
      expect(span!.kind).toBe(SpanKind.CONSUMER);
      expect(span!.spanContext().traceId).toBe(traceId);
      expect(span!.parentSpanContext?.spanId, name).toBe(parent.spanContext().spanId);
      expect(span!.attributes['cloudevents.event_type']).toBe(name.split(' ').at(-1));
      expect(span!.attributes['cloudevents.event_subject']).toMatch(
        /^\/releases\/3\.0\.20260429-3\.0/,
      );
      parent = span!;
    }
    // Nothing else joined the release's trace under another event.
    const consumers = spans.filter((s) => s.spanContext().traceId === traceId && s !== detectSpan);
    expect(consumers.map(eventId).sort()).toEqual(chain.map(([, id]) => id).sort());
  });

  it('parents a handler on the event it carries, never on the context the delivery runs in', async () => {
    exporter.reset();
    // Published straight to the bus, past the runtime's tracing publisher: no traceparent.
    const event = notificationRequested(
      { subscriptionId, channelId: teamsChannelId, releaseTag: TAG },
      new Date(),
    );
    expect(event.traceparent).toBeUndefined();
    const outer = trace.getTracer('test');
    await outer.startActiveSpan('unrelated', async (span) => {
      await local.bus!.publish([event]);
      await local.bus!.whenIdle();
      span.end();
    });
    const unrelated = exporter.getFinishedSpans().find((s) => s.name === 'unrelated')!;
    const deliver = exporter
      .getFinishedSpans()
      .find((s) => eventId(s) === `${TAG}/${subscriptionId}/${teamsChannelId}`);
    expect(deliver).toBeDefined();
    expect(deliver!.parentSpanContext).toBeUndefined();
    expect(deliver!.spanContext().traceId).not.toBe(unrelated.spanContext().traceId);
    expect(teams.posts).toHaveLength(1); // the ledger still keeps it to one post
  });
});
