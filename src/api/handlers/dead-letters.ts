import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { requireAdmin } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { json, parseWith } from '../http.js';

export const DeadLetterQuery = {
  outcome: z.enum(['failed', 'uncertain']).optional(),
  kind: z.enum(['delivery', 'event']).optional(),
};
// Not strict: the host may pass the function key as ?code=.
const Query = z.object(DeadLetterQuery);

/**
 * GET /api/ops/dead-letters (admin): everything the app gave up on, oldest first, each with
 * why and what that means for the message (`failed` or `uncertain`), so an operator can see
 * what to resend by hand and what to check with the recipient first.
 */
export async function listDeadLetters(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  requireAdmin(req, deps, { hostCheckedKey: true });
  const query = parseWith(Query, Object.fromEntries(req.query.entries()));
  const letters = (await deps.store.listDeadLetters()).filter(
    (l) =>
      (query.outcome === undefined || l.outcome === query.outcome) &&
      (query.kind === undefined || l.kind === query.kind),
  );
  return json(200, { deadLetters: letters });
}
