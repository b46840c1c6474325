import { app } from '@azure/functions';
import type {
  HttpFunctionOptions,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions';
import { handleHttp, json } from '../api/http.js';
import { inInvocationSpan } from '../events/tracing.js';
import { detectReleases } from '../services/detect.js';
import { runtimeFor } from '../services/runtime.js';

/** POST /api/admin/detect (admin key): run detection now; answers with the new releases. */
export function adminDetectHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handleHttp(request, context, () =>
    inInvocationSpan(context, async () => {
      const releases = await detectReleases(await runtimeFor(context));
      return json(200, { releases });
    }),
  );
}

export const options: HttpFunctionOptions = {
  route: 'admin/detect',
  methods: ['POST'],
  authLevel: 'function',
  handler: adminDetectHandler,
};

app.http('adminDetect', options);
