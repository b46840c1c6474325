/**
 * Locates the first JSON syntax error in a text. JSON.parse only sometimes reports a
 * position (it depends on the V8 version and on the error), so on the error path this
 * re-scans the text to name the offending line. Iterative, so deep nesting cannot overflow.
 */

type State = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'after';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

function skipWhitespace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** Length of the token matched by a sticky regex at `i`, or 0. */
function matchAt(re: RegExp, text: string, i: number): number {
  re.lastIndex = i;
  return re.test(text) ? re.lastIndex - i : 0;
}

/** Length of the string literal starting at `i` (a '"'), or 0 when it is malformed. */
function stringLength(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1 - i;
    if (c < 0x20) return 0;
    if (c === 0x5c) {
      const len = matchAt(ESCAPE, text, j);
      if (len === 0) return 0;
      j += len;
    } else {
      j++;
    }
  }
  return 0;
}

function scalarLength(text: string, i: number): number {
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, i)) return literal.length;
  }
  return text[i] === '"' ? stringLength(text, i) : matchAt(NUMBER, text, i);
}

/** Offset of the first syntax error, or undefined when the text is valid JSON. */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const stack: string[] = [];
  let state: State = 'value';
  let i = skipWhitespace(text, 0);
  for (;;) {
    if (i >= text.length) return state === 'after' && stack.length === 0 ? undefined : i;
    const ch = text[i];
    switch (state) {
      case 'valueOrEnd':
      case 'value':
        if (state === 'valueOrEnd' && ch === ']') {
          stack.pop();
          state = 'after';
          i++;
        } else if (ch === '{' || ch === '[') {
          stack.push(ch);
          state = ch === '{' ? 'keyOrEnd' : 'valueOrEnd';
          i++;
        } else {
          const len = scalarLength(text, i);
          if (len === 0) return i;
          i += len;
          state = 'after';
        }
        break;
      case 'keyOrEnd':
      case 'key': {
        if (state === 'keyOrEnd' && ch === '}') {
          stack.pop();
          state = 'after';
          i++;
          break;
        }
        const len = ch === '"' ? stringLength(text, i) : 0;
        if (len === 0) return i;
        i += len;
        state = 'colon';
        break;
      }
      case 'colon':
        if (ch !== ':') return i;
        state = 'value';
        i++;
        break;
      case 'after': {
        const top = stack[stack.length - 1];
        if (top === undefined) return i;
        if (ch === ',') state = top === '{' ? 'key' : 'value';
        else if (ch === (top === '{' ? '}' : ']')) stack.pop();
        else return i;
        i++;
        break;
      }
    }
    i = skipWhitespace(text, i);
  }
}

/**
 * Offset of the first `[` or `{` that opens more than `max` levels, or undefined. Run before
 * JSON.parse: a 10 MB document of nested brackets is a few milliseconds here, where parsing it
 * would first build millions of nested arrays (seconds, and hundreds of MB). Brackets inside
 * strings do not count; nothing else is validated (JSON.parse does that next).
 */
export function jsonDepthExceededAt(text: string, max: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      STRING_BODY.lastIndex = i + 1;
      STRING_BODY.test(text);
      i = STRING_BODY.lastIndex; // the closing quote (or the end of an unterminated string)
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

/** The inside of a string literal: everything up to its closing quote, escapes included. */
const STRING_BODY = /[^"\\]*(?:\\[\s\S][^"\\]*)*/y;
