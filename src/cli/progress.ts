/**
 * What a run says on stderr besides its result: progress for long GitHub fetches (only on a
 * terminal, so piped output and CI logs stay clean) and one-line warnings (always, even when
 * stderr is a file: a retry or an unusable cache must never be silent). `--quiet` leaves
 * both out; errors are printed regardless, by the caller.
 */
export type ProgressFn = (message: string, done: number, total: number) => void;

export interface StderrReporter {
  progress: ProgressFn | undefined;
  warn(line: string): void;
}

export function stderrReporter(
  stderr: NodeJS.WriteStream,
  opts: { quiet?: boolean | undefined } = {},
): StderrReporter {
  if (opts.quiet) return { progress: undefined, warn: () => {} };
  if (!stderr.isTTY) return { progress: undefined, warn: (line) => stderr.write(`${line}\n`) };
  let last = 0;
  let drawn = false;
  return {
    progress(message, done, total) {
      const now = Date.now();
      if (done < total && now - last < 100) return; // redraw at most 10 times a second
      last = now;
      const counter = total > 0 ? ` ${done}/${total}` : '';
      stderr.write(`\r\x1b[2K${message}${counter}`);
      drawn = !(total > 0 && done >= total);
      if (!drawn) stderr.write('\r\x1b[2K');
    },
    warn(line) {
      // A warning replaces the progress line; the next progress update draws it again.
      stderr.write(`${drawn ? '\r\x1b[2K' : ''}${line}\n`);
      drawn = false;
    },
  };
}
