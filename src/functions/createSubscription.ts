import { app } from '@azure/functions';
import type {
  HttpFunctionOptions,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions';
import { handleHttp, json, readJson } from '../api/http.js';
import { CreateSubscriptionRequest } from '../api/subscription-request.js';
import { runtimeFor } from '../services/runtime.js';
import { createSubscription } from '../services/subscriptions.js';

/** POST /api/subscriptions (admin key) → 201 with the subscription and its one-time token. */
export function createSubscriptionHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handleHttp(request, context, async () => {
    const body = await readJson(request, CreateSubscriptionRequest);
    const created = await createSubscription(await runtimeFor(context), body);
    return json(201, created, { location: `/api/subscriptions/${created.id}` });
  });
}

export const options: HttpFunctionOptions = {
  route: 'subscriptions',
  methods: ['POST'],
  authLevel: 'function',
  handler: createSubscriptionHandler,
};

app.http('createSubscription', options);
