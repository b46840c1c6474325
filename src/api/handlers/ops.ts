import type { HttpResponseInit } from '@azure/functions';
import { ConfigError } from '../../errors.js';
import { packageVersion } from '../../package-info.js';
import type { ApiDeps } from '../deps.js';
import { json } from '../http.js';

/**
 * GET /api/health (anonymous): 200 when storage answers. It says when the detector last ran,
 * and nothing that would help an attacker. When the app cannot even build its runtime
 * (storage unreachable, a setting refused), the route's `unavailable` answer (503) goes out
 * instead.
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

/**
 * Health when the app cannot build its runtime: 503, and nothing about why, except which
 * setting groups still hold a Key Vault reference the platform has not resolved (`links`,
 * `admin`, ...; never a setting's name or value). That state is expected for a few minutes
 * after a first deployment, and the post-deploy hook waits on it (scripts/deploy/postdeploy.ts);
 * every other cause is the operator's to read in the log.
 */
export function healthUnavailable(err: unknown): HttpResponseInit {
  const unresolved = err instanceof ConfigError ? err.unresolved : [];
  return {
    status: 503,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify({
      status: 'unavailable',
      version: packageVersion,
      ...(unresolved.length > 0 ? { unresolved } : {}),
    }),
  };
}

/**
 * POST /api/ops/detect: run detection now; answers with the new releases and node images. The route is
 * function-level, so the host has checked the key before this runs; any of the app's function
 * keys may trigger a detection (docs/deploy.md), which is harmless to repeat.
 */
export async function detectNow(deps: ApiDeps): Promise<HttpResponseInit> {
  return json(200, await deps.detect());
}
