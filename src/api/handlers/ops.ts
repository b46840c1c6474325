import type { HttpResponseInit } from '@azure/functions';
import { packageVersion } from '../../package-info.js';
import type { ApiDeps } from '../deps.js';
import { json } from '../http.js';

/**
 * GET /api/health (anonymous): 200 when storage answers. It says when the detector last ran,
 * and nothing that would help an attacker. When the app cannot even build its runtime
 * (storage unreachable), the route's `unavailable` answer (503) goes out instead.
 */
export async function health(deps: ApiDeps): Promise<HttpResponseInit> {
  const cursor = await deps.store.getCursor();
  return json(200, {
    status: 'ok',
    version: packageVersion,
    lastDetection: cursor?.value.updatedAt ?? null,
    knownReleases: cursor?.value.knownTags.length ?? 0,
  });
}

export const HEALTH_UNAVAILABLE: HttpResponseInit = {
  status: 503,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ status: 'unavailable', version: packageVersion }),
};

/**
 * POST /api/ops/detect: run detection now; answers with the new releases and node images. The route is
 * function-level, so the host has checked the key before this runs; any of the app's function
 * keys may trigger a detection (docs/deploy.md), which is harmless to repeat.
 */
export async function detectNow(deps: ApiDeps): Promise<HttpResponseInit> {
  return json(200, await deps.detect());
}
