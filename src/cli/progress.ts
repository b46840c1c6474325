/**
 * Progress for long GitHub fetches, on stderr and only when stderr is a terminal, so
 * piped output and CI logs stay clean.
 */
export type ProgressFn = (message: string, done: number, total: number) => void;

export function progressReporter(stderr: NodeJS.WriteStream): ProgressFn | undefined {
  if (!stderr.isTTY) return undefined;
  let last = 0;
  return (message, done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return; // redraw at most 10 times a second
    last = now;
    const counter = total > 0 ? ` ${done}/${total}` : '';
    stderr.write(`\r\x1b[2K${message}${counter}`);
    if (total > 0 && done >= total) stderr.write('\r\x1b[2K');
  };
}
