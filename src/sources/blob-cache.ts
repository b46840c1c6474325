/**
 * Spec blobs by git sha. A blob's content never changes for its sha, so a cached copy is
 * always right and saves a GitHub request every time a spec is read again (the "to" side of
 * one release is the "from" side of the next).
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

export interface BlobCache {
  get(sha: string): Promise<string | undefined>;
  put(sha: string, text: string): Promise<void>;
}

const SHA = /^[0-9a-f]{40}$/;

/** Stores each blob as `<dir>/<2 hex>/<sha>`, like git's loose objects. */
export class FileBlobCache implements BlobCache {
  constructor(private readonly dir: string) {}

  // Read synchronously: the cache belongs to the CLI, one short process, where reading a
  // small file at once costs less than the promise API's trips through the thread pool.
  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async
  async get(sha: string): Promise<string | undefined> {
    try {
      return readFileSync(this.fileFor(sha), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(sha: string, text: string): Promise<void> {
    const file = this.fileFor(sha);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a crash or a parallel writer never leaves half a blob behind.
    const temp = `${file}.${randomUUID()}.tmp`;
    await writeFile(temp, text, 'utf8');
    await rename(temp, file);
  }

  private fileFor(sha: string): string {
    // The sha becomes a path: accept nothing but a sha.
    if (!SHA.test(sha)) throw new Error(`not a git blob sha: ${sha}`);
    return path.join(this.dir, sha.slice(0, 2), sha);
  }
}
