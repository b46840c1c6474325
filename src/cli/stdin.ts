import { TooLargeError } from '../errors.js';

/** Inventories are refused above this size anyway; stop reading rather than buffer more. */
const MAX_STDIN_BYTES = 10 * 1024 * 1024 + 1;

export async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_STDIN_BYTES) throw new TooLargeError('inventory on stdin is larger than 10 MB');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
