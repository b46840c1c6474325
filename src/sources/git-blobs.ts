/**
 * Git blobs by sha, from the content-addressed cache when it has them, else from GitHub's git
 * database API. A blob never changes for its sha, so a cached copy is always right.
 */
import type { Octokit } from '@octokit/rest';
import { forEachConcurrently } from '../concurrency.js';
import { UpstreamError } from '../errors.js';
import type { BlobCache } from './blob-cache.js';
import { statusOf } from './releases.js';

/** Parallel blob downloads: fast, yet far below GitHub's concurrency guidance. */
const BLOB_CONCURRENCY = 8;

export interface ReadBlobsOptions {
  blobCache?: BlobCache | undefined;
  onProgress?: ((message: string, done: number, total: number) => void) | undefined;
  /** What the progress line says, e.g. "reading changed specs". */
  label: string;
  /** Where a blob is, for a message about it: `SPECS/lua/lua.spec at 2.0.20260303-2.0`. */
  where?: ((sha: string) => string) | undefined;
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
      const { data } = await getBlob(gh, target, sha, opts.where);
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

/**
 * One blob from GitHub's git database. A tree names only blobs the repository has, so a 404
 * means the server behind GITHUB_API_URL is not the repository the tree came from: most
 * likely a mirror that copied trees and not every blob. That is said in words, not as an
 * unexpected error.
 */
async function getBlob(
  gh: Octokit,
  target: { owner: string; repo: string },
  sha: string,
  where: ((sha: string) => string) | undefined,
) {
  try {
    return await gh.rest.git.getBlob({ ...target, file_sha: sha });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    const place = where ? ` (${where(sha)})` : '';
    throw new UpstreamError(
      `GitHub has no blob ${sha.slice(0, 7)}…${place}: is GITHUB_API_URL a complete mirror?`,
      error,
    );
  }
}
