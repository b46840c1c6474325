import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import type { AppCloudEvent } from './cloud-events.js';
import type { EventPublisher } from './publisher.js';

/**
 * Distributed tracing across the event flow, after the CloudEvents distributed-tracing
 * extension and OpenTelemetry's CloudEvents conventions: each published event carries the
 * W3C `traceparent` (and `tracestate`) of the span that published it, and each handler's span
 * is a child of the event's `traceparent`, so detect → fan out → match → deliver is one trace.
 * Without a tracer provider (telemetry off) every call here is a cheap no-op.
 */
const tracer = trace.getTracer('azl-notifier');

/** Where a Functions invocation sits in the host's trace (InvocationContext.traceContext). */
export interface InvocationTrace {
  functionName: string;
  traceContext?: { traceParent?: string | null; traceState?: string | null };
}

/** Stamps the active trace context onto every event it publishes. */
export function tracingPublisher(inner: EventPublisher): EventPublisher {
  return { publish: (events) => inner.publish(events.map(withTraceContext)) };
}

/** The event with `traceparent`/`tracestate` of the active span; unchanged when there is none. */
export function withTraceContext<E extends AppCloudEvent>(event: E): E {
  const carrier: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(context.active(), carrier);
  if (!carrier.traceparent) return event;
  const { traceparent, tracestate } = carrier;
  return { ...event, traceparent, ...(tracestate ? { tracestate } : {}) };
}

/**
 * Runs an Event Grid handler in a consumer span, child of the event's `traceparent` (or of the
 * host's invocation when the event carries none), with the CloudEvents attributes. The parent
 * is read from the event alone, never from the context the delivery happens to run in.
 */
export function inEventSpan<T>(
  invocation: InvocationTrace,
  rawEvent: unknown,
  handle: () => Promise<T>,
): Promise<T> {
  const event = isRecord(rawEvent) ? rawEvent : {};
  const carried = stringOf(event.traceparent);
  const parent = carried
    ? propagation.extract(ROOT_CONTEXT, {
        traceparent: carried,
        tracestate: stringOf(event.tracestate) ?? '',
      })
    : hostContext(invocation);
  const attributes: Attributes = { 'faas.name': invocation.functionName };
  for (const [attribute, field] of CLOUD_EVENT_ATTRIBUTES) {
    const value = stringOf(event[field]);
    if (value !== undefined) attributes[attribute] = value;
  }
  const type = stringOf(event.type) ?? 'unknown';
  return inSpan(`CloudEvents Process ${type}`, SpanKind.CONSUMER, attributes, parent, handle);
}

/** Runs a timer or HTTP handler in a span, child of the host's invocation when it has one. */
export function inInvocationSpan<T>(
  invocation: InvocationTrace,
  handle: () => Promise<T>,
): Promise<T> {
  const attributes = { 'faas.name': invocation.functionName };
  return inSpan(
    invocation.functionName,
    SpanKind.SERVER,
    attributes,
    hostContext(invocation),
    handle,
  );
}

const CLOUD_EVENT_ATTRIBUTES = [
  ['cloudevents.event_id', 'id'],
  ['cloudevents.event_type', 'type'],
  ['cloudevents.event_subject', 'subject'],
  ['cloudevents.event_source', 'source'],
  ['cloudevents.event_spec_version', 'specversion'],
] as const;

function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Context,
  handle: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, parent, async (span) => {
    try {
      return await handle();
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

function hostContext(invocation: InvocationTrace): Context {
  const traceparent = invocation.traceContext?.traceParent;
  if (!traceparent) return ROOT_CONTEXT;
  const tracestate = invocation.traceContext?.traceState ?? '';
  return propagation.extract(ROOT_CONTEXT, { traceparent, tracestate });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
