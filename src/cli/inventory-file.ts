/**
 * Reads an inventory the way the API takes one: at most 10 MB, valid UTF-8. A path is
 * looked at before it is read, so a directory, a missing file or a 700 MB image each get a
 * one-line answer without a byte being read; pipes (`-i <(rpm -qa)`) and stdin are read as
 * streams and stop at the limit.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { InputError, TooLargeError } from '../errors.js';
import { MAX_INVENTORY_BYTES } from '../domain/inventory/index.js';
import { fileErrorReason } from './file-errors.js';

const LIMIT = `${MAX_INVENTORY_BYTES / 1024 / 1024} MB`;

export async function readInventoryFile(
  path: string,
  stdin: NodeJS.ReadableStream,
): Promise<string> {
  if (path === '-')
    return decode(await readLimited(stdin, 'the inventory on stdin'), 'the inventory on stdin');
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new InputError(`cannot read inventory ${path}: ${fileErrorReason(error)}`);
  }
  if (info.isDirectory()) {
    throw new InputError(`inventory ${path} is a directory; give the file with the package list`);
  }
  if (info.isFile() && info.size > MAX_INVENTORY_BYTES) {
    throw new TooLargeError(
      `inventory ${path} is ${(info.size / 1024 / 1024).toFixed(1)} MB, over the ${LIMIT} limit`,
    );
  }
  let bytes: Buffer;
  try {
    // A regular file's size was just checked, so it is read in one call; a pipe may be
    // endless, so it is read as a stream that stops at the limit.
    bytes = info.isFile()
      ? await readFile(path)
      : await readLimited(createReadStream(path), `inventory ${path}`);
  } catch (error) {
    if (error instanceof TooLargeError) throw error;
    throw new InputError(`cannot read inventory ${path}: ${fileErrorReason(error)}`);
  }
  return decode(bytes, `inventory ${path}`);
}

/** Reads a stream whole, failing as soon as it passes the limit rather than buffering more. */
async function readLimited(stream: NodeJS.ReadableStream, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_INVENTORY_BYTES) throw new TooLargeError(`${what} is larger than ${LIMIT}`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** As the API: text that is not UTF-8 (a binary file, a UTF-16 export) is refused, not guessed. */
function decode(bytes: Buffer, what: string): string {
  if (!isUtf8(bytes)) {
    throw new InputError(`${what} is not valid UTF-8 text (a binary file, or another encoding?)`);
  }
  // As TextDecoder would: a byte-order mark is not part of the text.
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
