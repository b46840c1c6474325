import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MatchResult } from '../domain/types.js';

/**
 * The CloudEvents 1.0 this app publishes and consumes. Ids are deterministic so a retry
 * republishes the same event rather than a new one; Event Grid still delivers at least once,
 * so every consumer is idempotent on its own (see src/services/ledger.ts).
 */
export const EVENT_SOURCE = '/azl-notifier';

export const EVENT_TYPES = {
  releasePublished: 'azurelinux.release.published',
  matchRequested: 'azurelinux.release.match-requested',
  notificationRequested: 'azurelinux.notification.requested',
  channelNoticeRequested: 'azurelinux.channel.notice-requested',
  nodeImagePublished: 'azurelinux.nodeimage.published',
  nodeImageNoticeRequested: 'azurelinux.nodeimage.notice-requested',
} as const;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

const ReleasePublishedData = z.object({
  releaseTag: z.string().min(1),
  line: z.string().min(1),
  publishedAt: z.string(),
  /** Number of changed source packages: lets a consumer skip without loading the record. */
  changes: z.number().int().min(0),
});
const MatchRequestedData = z.object({
  releaseTag: z.string().min(1),
  line: z.string().min(1),
  shard: z.number().int().min(0),
  shards: z.number().int().min(1),
  subscriptionIds: z.array(z.string().min(1)),
});
const NotificationRequestedData = z.object({
  subscriptionId: z.string().min(1),
  channelId: z.string().min(1),
  releaseTag: z.string().min(1),
  /**
   * What the match found, and the ETag of the subscription it matched: delivery sends this
   * as it is while the subscription still has that ETag, and matches again only when it
   * changed in between. Both absent in events from before they existed (matched again).
   */
  subscriptionVersion: z.string().min(1).optional(),
  result: z
    .custom<MatchResult>((v) => typeof v === 'object' && v !== null && !Array.isArray(v))
    .optional(),
});
/**
 * "Your other channel stopped working", to one working channel of the subscription. `since`
 * is when the failed channel was marked unhealthy: one notice per channel and outage.
 */
const ChannelNoticeRequestedData = z.object({
  subscriptionId: z.string().min(1),
  failedChannelId: z.string().min(1),
  channelId: z.string().min(1),
  since: z.string().min(1),
  reason: z.string().max(500),
});
/** AgentBaker published a new node image of a variant some subscription runs. */
const NodeImagePublishedData = z.object({
  /** `AKSAzureLinux-V3gen2-202605.14.0` */
  image: z.string().min(1),
  sku: z.string().min(1),
  version: z.string().min(1),
  line: z.string().min(1),
});
/** One node pool of a watched cluster: the watch (inventory), its cluster's id, its name. */
const PoolRef = z.object({
  inventory: z.string().min(1),
  cluster: z.string().min(1),
  name: z.string().min(1),
});
/**
 * "The new image fixes what your pool misses", to one channel of one subscription. With
 * `pool`: "the fix has reached your region", the image is now offered to that watched pool.
 */
const NodeImageNoticeRequestedData = z.object({
  image: z.string().min(1),
  /** The release the pools were judged against when the notice was requested. */
  releaseTag: z.string().min(1),
  subscriptionId: z.string().min(1),
  channelId: z.string().min(1),
  pool: PoolRef.optional(),
});
export type PoolRef = z.infer<typeof PoolRef>;

/** A watched pool in ids and keys: short, stable, and the same whatever the id's case. */
export function poolRefKey(ref: PoolRef): string {
  return createHash('sha256')
    .update(`${ref.inventory}\u0000${ref.cluster.toLowerCase()}\u0000${ref.name}`)
    .digest('hex')
    .slice(0, 20);
}
export type ReleasePublishedData = z.infer<typeof ReleasePublishedData>;
export type MatchRequestedData = z.infer<typeof MatchRequestedData>;
export type NotificationRequestedData = z.infer<typeof NotificationRequestedData>;
export type ChannelNoticeRequestedData = z.infer<typeof ChannelNoticeRequestedData>;
export type NodeImagePublishedData = z.infer<typeof NodeImagePublishedData>;
export type NodeImageNoticeRequestedData = z.infer<typeof NodeImageNoticeRequestedData>;

export interface EventDataByType {
  'azurelinux.release.published': ReleasePublishedData;
  'azurelinux.release.match-requested': MatchRequestedData;
  'azurelinux.notification.requested': NotificationRequestedData;
  'azurelinux.channel.notice-requested': ChannelNoticeRequestedData;
  'azurelinux.nodeimage.published': NodeImagePublishedData;
  'azurelinux.nodeimage.notice-requested': NodeImageNoticeRequestedData;
}

/** A structured-mode CloudEvent as Event Grid's CloudEvent schema carries it. */
export interface AppCloudEvent<T extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: EventDataByType[T];
  /**
   * CloudEvents distributed-tracing extension: the W3C trace context of the span that
   * published the event (src/events/tracing.ts). Absent when telemetry is off.
   */
  traceparent?: string;
  tracestate?: string;
}

const DATA_SCHEMAS = {
  [EVENT_TYPES.releasePublished]: ReleasePublishedData,
  [EVENT_TYPES.matchRequested]: MatchRequestedData,
  [EVENT_TYPES.notificationRequested]: NotificationRequestedData,
  [EVENT_TYPES.channelNoticeRequested]: ChannelNoticeRequestedData,
  [EVENT_TYPES.nodeImagePublished]: NodeImagePublishedData,
  [EVENT_TYPES.nodeImageNoticeRequested]: NodeImageNoticeRequestedData,
} as const;

function make<T extends EventType>(
  type: T,
  id: string,
  subject: string,
  data: EventDataByType[T],
  now: Date,
): AppCloudEvent<T> {
  return {
    specversion: '1.0',
    id,
    source: EVENT_SOURCE,
    type,
    subject,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

export function releasePublished(data: ReleasePublishedData, now: Date) {
  return make(
    EVENT_TYPES.releasePublished,
    data.releaseTag,
    `/releases/${data.releaseTag}`,
    data,
    now,
  );
}

export function matchRequested(data: MatchRequestedData, now: Date) {
  return make(
    EVENT_TYPES.matchRequested,
    `${data.releaseTag}/${data.shard}`,
    `/releases/${data.releaseTag}/shards/${data.shard}`,
    data,
    now,
  );
}

export function notificationRequested(data: NotificationRequestedData, now: Date) {
  const { releaseTag, subscriptionId, channelId } = data;
  return make(
    EVENT_TYPES.notificationRequested,
    `${releaseTag}/${subscriptionId}/${channelId}`,
    `/releases/${releaseTag}/subscriptions/${subscriptionId}/channels/${channelId}`,
    data,
    now,
  );
}

export function channelNoticeRequested(data: ChannelNoticeRequestedData, now: Date) {
  const { subscriptionId, failedChannelId, since, channelId } = data;
  return make(
    EVENT_TYPES.channelNoticeRequested,
    `notice/${subscriptionId}/${failedChannelId}/${since}/${channelId}`,
    `/subscriptions/${subscriptionId}/channels/${failedChannelId}/notices/${channelId}`,
    data,
    now,
  );
}

export function nodeImagePublished(data: NodeImagePublishedData, now: Date) {
  return make(
    EVENT_TYPES.nodeImagePublished,
    `nodeimage/${data.image}`,
    `/nodeimages/${data.sku}/${data.version}`,
    data,
    now,
  );
}

export function nodeImageNoticeRequested(data: NodeImageNoticeRequestedData, now: Date) {
  const { image, subscriptionId, channelId, pool } = data;
  const where = pool ? `/pools/${poolRefKey(pool)}` : '';
  return make(
    EVENT_TYPES.nodeImageNoticeRequested,
    `nodeimage/${image}/${subscriptionId}/${channelId}${pool ? `/${poolRefKey(pool)}` : ''}`,
    `/nodeimages/${image}/subscriptions/${subscriptionId}${where}/channels/${channelId}`,
    data,
    now,
  );
}

const Envelope = z.object({
  id: z.string().min(1),
  type: z.string(),
  source: z.string(),
  data: z.unknown(),
});

/**
 * Reads an incoming event of the expected type. Returns an error message instead of
 * throwing for a malformed event: retrying cannot fix it, so the handler logs and drops it.
 */
export function readEvent<T extends EventType>(
  raw: unknown,
  type: T,
): { ok: true; event: { id: string; data: EventDataByType[T] } } | { ok: false; error: string } {
  const envelope = Envelope.safeParse(raw);
  if (!envelope.success) return { ok: false, error: 'not a CloudEvent' };
  if (envelope.data.type !== type) {
    return { ok: false, error: `expected ${type}, got ${envelope.data.type}` };
  }
  const data = DATA_SCHEMAS[type].safeParse(envelope.data.data);
  if (!data.success) {
    return { ok: false, error: `bad data: ${data.error.issues.map((i) => i.message).join('; ')}` };
  }
  return { ok: true, event: { id: envelope.data.id, data: data.data as EventDataByType[T] } };
}
