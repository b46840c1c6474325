import { AppError } from '../errors.js';

/**
 * Prints one readable line for any failure and returns the exit code. Users never see
 * a stack trace; set AZL_DEBUG=1 to get one when reporting a bug.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream, debug = false): number {
  if (error instanceof AppError) {
    stderr.write(`azl-notifier: ${error.message}\n`);
    if (debug) stderr.write(`${error.stack ?? ''}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`azl-notifier: unexpected error: ${message}\n`);
  if (debug && error instanceof Error) stderr.write(`${error.stack ?? ''}\n`);
  return 1;
}
