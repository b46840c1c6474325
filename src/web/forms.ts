import type { HttpRequest } from '@azure/functions';
import { InputError, UnsupportedMediaTypeError } from '../errors.js';
import { decodeUtf8, mediaType, readBytes } from '../api/http.js';

/** A submitted form: its text fields, and its files' bytes. */
export interface Form {
  text(name: string): string | undefined;
  all(name: string): string[];
  file(name: string): { name: string; bytes: Uint8Array } | undefined;
}

/**
 * Reads a form post (urlencoded, or multipart for the file picker) with the body bounded
 * before it is buffered, as every API body is: readBytes refuses more than `maxBytes`, and
 * only then does the platform's own parser see it.
 */
export async function readForm(req: HttpRequest, maxBytes: number): Promise<Form> {
  const type = mediaType(req);
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new UnsupportedMediaTypeError(`a form must be sent as a form, not ${type || 'absent'}`);
  }
  const bytes = await readBytes(req, maxBytes, 'form');
  let data: FormData;
  try {
    data = await new Response(bytes, {
      headers: { 'content-type': req.headers.get('content-type') ?? type },
    }).formData();
  } catch {
    throw new InputError('the form could not be read');
  }
  const files = new Map<string, { name: string; bytes: Uint8Array }>();
  for (const [name, value] of data.entries()) {
    if (typeof value !== 'string' && value.size > 0 && !files.has(name)) {
      files.set(name, { name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) });
    }
  }
  return {
    text: (name) => {
      const value = data.get(name);
      return typeof value === 'string' ? value : undefined;
    },
    all: (name) => data.getAll(name).filter((v): v is string => typeof v === 'string'),
    file: (name) => files.get(name),
  };
}

/** A file's text, strictly UTF-8, as an API upload must be. */
export const fileText = (file: { bytes: Uint8Array }, what: string): string =>
  decodeUtf8(file.bytes, what);

/** Globs from a text field: one per line or comma-separated, blanks dropped. */
export const listField = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
