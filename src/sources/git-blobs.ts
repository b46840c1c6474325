/**
 * Git blobs by sha, from the content-addressed cache when it has them, else from GitHub's git
 * database API. A blob never changes for its sha, so a cached copy is always right.
 */
import type { Octokit } from '@octokit/rest';
import { forEachConcurrently } from '../concurrency.js';
import type { BlobCache } from './blob-cache.js';

/** Parallel blob downloads: fast, yet far below GitHub's concurrency guidance. */
const BLOB_CONCURRENCY = 8;

export interface ReadBlobsOptions {
  blobCache?: BlobCache | undefined;
  onProgress?: ((message: string, done: number, total: number) => void) | undefined;
  /** What the progress line says, e.g. "reading changed specs". */
  label: string;
}

export async function readBlobs(
  gh: Octokit,
  target: { owner: string; repo: string },
  shas: readonly string[],
  opts: ReadBlobsOptions,
): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  let done = 0;
  const readOne = async (sha: string) => {
    let text = await opts.blobCache?.get(sha);
    if (text === undefined) {
      const { data } = await gh.rest.git.getBlob({ ...target, file_sha: sha });
      text = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString(
        'utf8',
      );
      await opts.blobCache?.put(sha, text);
    }
    texts.set(sha, text);
    opts.onProgress?.(opts.label, ++done, shas.length);
  };
  await forEachConcurrently(shas, BLOB_CONCURRENCY, readOne);
  return texts;
}
