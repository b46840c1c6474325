import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Subscription } from '../../domain/subscription.js';
import type { MatchResult } from '../../domain/types.js';
import { NotFoundError } from '../../errors.js';
import { authenticate, loadOwnedSubscription } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { json } from '../http.js';
import { ReleaseTag } from '../schemas.js';
import type { ReleaseRecord } from '../store.js';
import { loadReleases } from './releases.js';

/**
 * GET /api/subscriptions/{id}/matches[?release=<tag>]: what the latest release on each
 * of the subscription's lines (or the named release) changes for each of its
 * inventories, after its filters. Baseline releases recorded on first run carry no
 * change set and are skipped: there is nothing to compare them with.
 */
export async function getMatches(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value: sub } = await loadOwnedSubscription(deps, principal, req.params.id);
  const releases = await pickReleases(deps, sub, req.query.get('release'));
  const out = [];
  for (const record of releases) {
    const inventories: { name: string; result: MatchResult }[] = [];
    for (const name of sub.inventoryNames) {
      const result = record.changeSet && (await deps.match(record.changeSet, sub, name));
      if (result) inventories.push({ name, result });
    }
    out.push({
      tag: record.release.tag,
      line: record.release.line,
      publishedAt: record.release.publishedAt,
      inventories,
    });
  }
  return json(200, { releases: out });
}

/** The named release (404 when unknown or without a change set), or the latest per line. */
export async function pickReleases(
  deps: ApiDeps,
  sub: Subscription,
  tag: string | null,
): Promise<ReleaseRecord[]> {
  if (tag !== null) {
    const parsed = ReleaseTag.safeParse(tag);
    const record = parsed.success ? await deps.store.getRelease(parsed.data) : undefined;
    if (!record?.changeSet) throw new NotFoundError('release not found or has no change set');
    return [record];
  }
  const latest: ReleaseRecord[] = [];
  for (const line of sub.lines) {
    const found = (await loadReleases(deps.store, line)).find((r) => r.changeSet !== null);
    if (found) latest.push(found);
  }
  return latest;
}
