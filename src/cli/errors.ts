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
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`azl-notifier: unexpected error: ${printable(message)}\n`);
  if (debug && error instanceof Error) stderr.write(`${error.stack ?? ''}\n`);
  return 1;
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
