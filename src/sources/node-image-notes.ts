/**
 * AKS node-image release notes in Azure/AgentBaker (`AKS_NODE_IMAGE_REPO`), read through
 * GitHub's contents API with the same client as everything else: a variant's directory
 * `vhdbuilder/release-notes/<dir>/<variant>/` lists one `<version>.txt` per image. The
 * listing is asked for with If-None-Match (a 304 is free for an authenticated client);
 * a notes file is immutable for its blob sha, so it is kept in the blob cache forever.
 */
import type { Octokit } from '@octokit/rest';
import { isImageVersion } from '../domain/node-image.js';
import { NotFoundError, UpstreamError } from '../errors.js';
import type { BlobCache } from './blob-cache.js';
import { statusOf } from './releases.js';

export const RELEASE_NOTES_ROOT = 'vhdbuilder/release-notes';

/** One published image's notes file. */
export interface NotesFile {
  version: string;
  path: string;
  sha: string;
}

export type VariantListing =
  { status: 'not-modified' } | { status: 'ok'; etag: string | null; files: NotesFile[] };

interface ContentItem {
  type?: string;
  name?: string;
  path?: string;
  sha?: string;
}

/** The images of one variant directory, e.g. `AKSAzureLinuxV3/gen2`, oldest first. */
export async function listVariantNotes(
  gh: Octokit,
  target: { owner: string; repo: string },
  dir: string,
  etag: string | null = null,
): Promise<VariantListing> {
  const path = `${RELEASE_NOTES_ROOT}/${dir}`;
  let answer;
  try {
    answer = await gh.rest.repos.getContent({
      ...target,
      path,
      headers: etag ? { 'if-none-match': etag } : {},
    });
  } catch (error) {
    if (statusOf(error) === 304) return { status: 'not-modified' };
    if (statusOf(error) === 404) {
      throw new NotFoundError(`${target.owner}/${target.repo} has no ${path} directory`);
    }
    throw error;
  }
  if (!Array.isArray(answer.data)) {
    throw new UpstreamError(`${target.owner}/${target.repo}: ${path} is not a directory`);
  }
  const files: NotesFile[] = [];
  for (const item of answer.data as ContentItem[]) {
    const version = item.name?.endsWith('.txt') ? item.name.slice(0, -'.txt'.length) : undefined;
    if (item.type !== 'file' || !version || !isImageVersion(version) || !item.sha || !item.path) {
      continue; // latest.txt, *-image-list.json
    }
    files.push({ version, path: item.path, sha: item.sha });
  }
  return { status: 'ok', etag: answer.headers.etag ?? null, files };
}

/** A notes file's text, from the cache by blob sha or through the contents API. */
export async function readNotes(
  gh: Octokit,
  target: { owner: string; repo: string },
  file: NotesFile,
  cache: BlobCache | undefined,
): Promise<string> {
  const cached = await cache?.get(file.sha);
  if (cached !== undefined) return cached;
  const { data } = await gh.rest.repos.getContent({ ...target, path: file.path });
  if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
    throw new UpstreamError(`${file.path} is not a file`);
  }
  // The contents API leaves `content` empty past 1 MB; notes files are ~25 KB, but a larger
  // one is read by its blob sha instead of being taken as empty.
  const text =
    data.encoding === 'base64' && data.content !== ''
      ? Buffer.from(data.content, 'base64').toString('utf8')
      : await blobText(gh, target, file.sha);
  await cache?.put(file.sha, text);
  return text;
}

async function blobText(
  gh: Octokit,
  target: { owner: string; repo: string },
  sha: string,
): Promise<string> {
  const { data } = await gh.rest.git.getBlob({ ...target, file_sha: sha });
  return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
}
