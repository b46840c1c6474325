import { AppError } from '../errors.js';

/**
 * Longest message printed, so an error quoting a huge line of input stays one readable line.
 * Long enough for the product's own longest messages (the Azure Linux 2.0 refusal carries
 * advice and a migration link, which must arrive whole to be followed).
 */
const MAX_MESSAGE = 1000;

/**
 * Prints one readable line for any failure and returns the exit code. Users never see
 * a stack trace; set AZL_DEBUG=1 to get one when reporting a bug.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream, debug = false): number {
  if (error instanceof AppError) {
    stderr.write(`azl-notifier: ${printable(error.message)}\n`);
    if (debug) stderr.write(`${error.stack ?? ''}\n`);
    return error.exitCode;
  }
  const answered = upstreamAnswer(error);
  if (answered) {
    stderr.write(`azl-notifier: ${printable(answered)}\n`);
    if (debug && error instanceof Error) stderr.write(`${error.stack ?? ''}\n`);
    return UPSTREAM_EXIT;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`azl-notifier: unexpected error: ${printable(message)}\n`);
  if (debug && error instanceof Error) stderr.write(`${error.stack ?? ''}\n`);
  return 1;
}

/** What an upstream that answered with an error means to a script: exit 5, as unreachable. */
const UPSTREAM_EXIT = 5;

/**
 * An HTTP answer no caller turned into words (Octokit leaves 404 and 422 to callers, since
 * only they know what a missing object means): still the network's doing, never an
 * "unexpected error". Says who answered what to which request.
 */
function upstreamAnswer(error: unknown): string | undefined {
  const e = error as {
    name?: unknown;
    status?: unknown;
    message?: unknown;
    request?: { method?: unknown; url?: unknown };
  } | null;
  if (e?.name !== 'HttpError' || typeof e.status !== 'number' || !e.request) return undefined;
  const method = typeof e.request.method === 'string' ? e.request.method : 'GET';
  let where = '';
  try {
    where = ` to ${method} ${new URL(String(e.request.url)).pathname}`;
  } catch {
    // No URL to show: the status alone still says it.
  }
  const reason = typeof e.message === 'string' ? e.message.split(' - ')[0] : '';
  return `GitHub answered ${e.status}${reason ? ` ${reason}` : ''}${where}`;
}

/**
 * Messages quote input (a bad inventory line). Input can be binary garbage: control
 * characters would move the cursor or recolour the terminal, so they are shown escaped
 * (\x1b, \u0085), and a long quote is cut.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
  return escaped.length > MAX_MESSAGE ? `${escaped.slice(0, MAX_MESSAGE)}…` : escaped;
}
