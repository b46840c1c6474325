/**
 * Line iteration with 1-based line numbers, so every parser can name the offending line.
 */
import { InputError } from '../../errors.js';

export interface Line {
  /** The line without its terminator and without surrounding whitespace. */
  text: string;
  /** 1-based. */
  number: number;
}

/**
 * Yields every line of `text` (LF or CRLF endings), trimmed, except empty lines and lines
 * that start with `#`: no reader of an inventory has a use for them (isIgnorable), and a
 * file of ten million newlines or of comments (a 10 MB upload that holds one package) is
 * then skipped in a tight loop instead of made into millions of strings. Numbers still count
 * every line.
 */
export function* linesOf(text: string): Generator<Line> {
  let start = 0;
  let number = 1;
  while (start <= text.length) {
    const blank = blankRun(text, start);
    if (blank.lines > 0) {
      start += blank.length;
      number += blank.lines;
      continue;
    }
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (text.charCodeAt(start) !== 0x23 /* # */) {
      yield { text: text.slice(start, end).trim(), number };
    }
    start = end + 1;
    number++;
  }
}

const LF_RUN = /\n+/y;
const CRLF_RUN = /(?:\r\n)+/y;

/** The empty lines starting at `at`: how many, and how many characters they take. */
function blankRun(text: string, at: number): { lines: number; length: number } {
  const c = text.charCodeAt(at);
  const run = c === 0x0a ? LF_RUN : c === 0x0d ? CRLF_RUN : undefined;
  if (!run) return NONE;
  run.lastIndex = at;
  const length = run.exec(text)?.[0].length ?? 0;
  return { lines: run === LF_RUN ? length : length / 2, length };
}

const NONE = { lines: 0, length: 0 };

/** True for lines that carry no package: blank lines and `#` comments. */
export function isIgnorable(line: string): boolean {
  return line === '' || line.startsWith('#');
}

/** Runs `parse` and re-raises an InputError it throws with the line number attached. */
export function atLine<T>(line: number, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InputError && err.line === undefined) {
      throw new InputError(err.message, { line, details: err.details });
    }
    throw err;
  }
}
