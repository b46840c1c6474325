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

/** Yields every line of `text` (LF or CRLF endings), trimmed. */
export function* linesOf(text: string): Generator<Line> {
  let start = 0;
  let number = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    yield { text: text.slice(start, end).trim(), number };
    start = end + 1;
    number++;
  }
}

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
