/**
 * Thrown by an event handler when the event should come back later: nothing was lost, the
 * work simply cannot be done now (a 429 or 5xx, a connection refused, another copy holding
 * the claim). The handler returns at once instead of sleeping through a backoff. In Azure the
 * function fails and Event Grid redelivers on its own schedule; the local bus honours
 * `retryAfterMs` when the far end said how long to wait, and its own schedule otherwise.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}
