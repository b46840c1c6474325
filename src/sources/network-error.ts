/**
 * The most specific reason a failed fetch gives (ECONNREFUSED, ENOTFOUND, a timeout, …).
 * Node wraps it in one or two `cause`s under a vague "fetch failed", which is no help to a
 * user reading one line.
 */
export function networkReason(error: unknown): string | undefined {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause && typeof cause === 'object'; depth++) {
    const c = cause as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (c.name === 'TimeoutError') return 'no answer before the timeout';
    cause = c.cause;
  }
  return undefined;
}
