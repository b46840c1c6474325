import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { rpmvercmp } from '../../domain/rpmvercmp.js';
import { NotFoundError } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import { json } from '../http.js';
import { ReleaseTag } from '../schemas.js';
import type { ApiStore, ReleaseRecord } from '../store.js';

/**
 * Detected releases are public facts (they mirror GitHub), so these routes need no
 * credentials. Tags sort by their version part with rpm's comparison, the same order the
 * detector uses, rather than by detection time.
 */
export async function listReleases(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const line = req.query.get('line');
  const records = await loadReleases(deps.store, line ?? undefined);
  return json(200, {
    releases: records.map((r) => ({
      tag: r.release.tag,
      line: r.release.line,
      publishedAt: r.release.publishedAt,
      url: r.release.url,
      previousTag: r.previousTag,
      status: r.status,
      changes: r.changeSet?.changes.length ?? 0,
      detectedAt: r.detectedAt,
    })),
  });
}

export async function getRelease(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const tag = ReleaseTag.safeParse(req.params.tag);
  const record = tag.success ? await deps.store.getRelease(tag.data) : undefined;
  if (!record) throw new NotFoundError('release not found');
  return json(200, record);
}

/** Newest first; `line` narrows to one release line. */
export async function loadReleases(store: ApiStore, line?: string): Promise<ReleaseRecord[]> {
  const tags = (await store.listReleaseTags())
    .filter((t) => ReleaseTag.safeParse(t).success && (!line || lineOf(t) === line))
    .sort(compareTagsDescending);
  const records = await Promise.all(tags.map((t) => store.getRelease(t)));
  return records.filter((r): r is ReleaseRecord => r !== undefined);
}

export const lineOf = (tag: string): string => tag.slice(tag.lastIndexOf('-') + 1);

export function compareTagsDescending(a: string, b: string): number {
  return rpmvercmp(b.slice(0, b.lastIndexOf('-')), a.slice(0, a.lastIndexOf('-')));
}
