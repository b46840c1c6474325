import { app } from '@azure/functions';
import type {
  HttpFunctionOptions,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions';
import { json } from '../api/http.js';
import { packageVersion } from '../package-info.js';
import { getRuntime } from '../services/runtime.js';

/**
 * GET /api/health (anonymous): 200 when storage answers, 503 otherwise. It says when the
 * detector last ran, and nothing that would help an attacker.
 */
export async function healthHandler(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const rt = await getRuntime();
    const cursor = await rt.store.getCursor();
    return json(200, {
      status: 'ok',
      version: packageVersion,
      lastDetection: cursor?.value.updatedAt ?? null,
      knownReleases: cursor?.value.knownTags.length ?? 0,
    });
  } catch (err) {
    context.error(`health: ${err instanceof Error ? err.message : String(err)}`);
    return json(503, { status: 'unavailable', version: packageVersion });
  }
}

export const options: HttpFunctionOptions = {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: healthHandler,
};

app.http('health', options);
