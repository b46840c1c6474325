/**
 * Shared JSON handling for the SBOM formats: parsing with a line number on syntax errors,
 * and errors that name both the JSON path and, where it can be found, the line.
 */
import { InputError } from '../../errors.js';
import { jsonDepthExceededAt, jsonSyntaxErrorOffset } from './json-syntax.js';
import { MAX_JSON_DEPTH } from './limits.js';

/** 1-based line of a character offset. */
export function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Refuses a document that nests deeper than MAX_JSON_DEPTH, naming the line; before parsing. */
export function assertJsonDepth(text: string): void {
  const at = jsonDepthExceededAt(text, MAX_JSON_DEPTH);
  if (at !== undefined) {
    throw new InputError(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`, {
      line: lineAtOffset(text, at),
    });
  }
}

export function parseJson(text: string): unknown {
  assertJsonDepth(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const offset = jsonSyntaxErrorOffset(text);
    // Keep V8's reason but drop the input slice and position it may quote: the line says where.
    const reason = (err instanceof Error ? err.message : 'syntax error')
      .replace(/, ".*$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    throw new InputError(`invalid JSON: ${reason}`, {
      ...(offset === undefined ? {} : { line: lineAtOffset(text, offset) }),
    });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An InputError for the value at `path`. The line is found by searching for the value's own
 * JSON text (e.g. the purl string), which is exact whenever that text occurs in the document.
 */
export function jsonInputError(
  text: string,
  path: string,
  message: string,
  locator: string | undefined,
): InputError {
  const offset = locator === undefined ? -1 : text.indexOf(JSON.stringify(locator));
  return new InputError(`${path}: ${message}`, {
    ...(offset === -1 ? {} : { line: lineAtOffset(text, offset) }),
    details: [{ path, message }],
  });
}

/** Runs `parse` and rewraps its InputError as one that names `path` and its line. */
export function atJsonPath<T>(
  text: string,
  path: string,
  locator: string | undefined,
  parse: () => T,
): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InputError) throw jsonInputError(text, path, err.message, locator);
    throw err;
  }
}
