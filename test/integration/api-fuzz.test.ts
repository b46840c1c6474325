import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Subscription } from '../../src/domain/subscription.js';
import { signChannelLink } from '../../src/security/link-binding.js';
import type { StoredInventory } from '../../src/store/store.js';
import { createSubscription, startApiEnv, type ApiEnv } from '../support/api-env.js';

/**
 * Property fuzzing of every endpoint over real HTTP against Azurite: random and mutated
 * bodies, media types, credentials, ids and headers. Whatever arrives, the answer is never
 * a 5xx, a request that fails leaves storage exactly as it was (every blob and ETag), and a
 * token never reaches another subscription.
 */
const FIX = new URL('../fixtures/', import.meta.url);
const GEN2_HEAD = readFileSync(
  new URL('inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt', FIX),
  'utf8',
)
  .split('\n')
  .slice(0, 40)
  .join('\n');
/** The real gen2 SBOM cut to its first components: mutation cost grows with document size. */
const CDX_DOC = JSON.parse(readFileSync(new URL('inventories/gen2.cdx.json', FIX), 'utf8')) as {
  components: unknown[];
};
const CDX_SMALL = { ...CDX_DOC, components: CDX_DOC.components.slice(0, 15) };
const RUNS = 2000;
/**
 * The API writes only to the subscriptions container, so that one is compared around every
 * request; the whole account is compared across the run to prove nothing else is touched.
 */
const API_WRITES = ['subscriptions'];

let env: ApiEnv;
interface Fixture {
  id: string;
  token: string;
  stored: Subscription;
  inventories: StoredInventory[];
}
let a: Fixture;
let b: Fixture;

async function fixture(name: string): Promise<Fixture> {
  const res = await createSubscription(env, name, {
    inventories: [{ name: 'pool', content: GEN2_HEAD }],
  });
  const { id, token } = res.json as { id: string; token: string };
  const stored = (await env.store.getSubscription(id))!.value;
  return { id, token, stored, inventories: [{ name: 'pool', content: GEN2_HEAD }] };
}

/** Puts a fixture back after a fuzzed request legitimately deleted it. */
async function restore(f: Fixture): Promise<void> {
  if (!(await env.store.getSubscription(f.id))) {
    await env.store.createSubscription(f.stored, f.inventories);
  }
}

beforeAll(async () => {
  env = await startApiEnv();
  a = await fixture('fuzz-a');
  b = await fixture('fuzz-b');
});
afterAll(async () => env?.close());

// ---- arbitraries ----

const validCreate = () => ({
  name: 'fuzzed',
  lines: ['3.0'],
  channels: [
    { type: 'teams', webhookUrl: env.sinkUrl },
    { type: 'email', address: 'fuzz@example.com', frequency: 'weekly', weekday: 2, hourUtc: 7 },
  ],
  inventories: [{ name: 'pool', content: GEN2_HEAD }],
  filters: { minSeverity: 'high', include: ['openssl*'], exclude: ['kernel*'], onlyWithCves: true },
});
const validPatch = () => ({
  name: 'renamed',
  lines: ['3.0', '2.0'],
  channels: [
    { id: 'teams-1', type: 'teams' },
    { id: 'email-1', type: 'email', frequency: 'daily' },
  ],
  filters: { minSeverity: 'low' },
});

type Json = unknown;
const mutation = fc.tuple(
  fc.nat(),
  fc.constantFrom('delete', 'replace', 'add-unknown', 'wrap', 'stringify'),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Applies each mutation at a node chosen by index among all nodes of the document. */
function mutate(doc: Json, mutations: [number, string, Json][]): Json {
  let root = structuredClone(doc);
  for (const [pick, op, value] of mutations) {
    const nodes: { parent: Record<string, Json> | Json[]; key: string | number }[] = [];
    const walk = (node: Json) => {
      if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          nodes.push({
            parent: node as Record<string, Json>,
            key: Array.isArray(node) ? Number(k) : k,
          });
          walk(v);
        }
      }
    };
    walk(root);
    const target = nodes[pick % Math.max(nodes.length, 1)];
    if (!target) {
      root = value;
      continue;
    }
    const p = target.parent as Record<string | number, Json>;
    if (op === 'delete') {
      if (Array.isArray(p)) p.splice(target.key as number, 1);
      else delete p[target.key];
    } else if (op === 'replace') p[target.key] = value;
    else if (op === 'add-unknown' && !Array.isArray(p)) p[`x${pick}`] = value;
    else if (op === 'wrap') p[target.key] = [p[target.key]];
    else if (op === 'stringify') p[target.key] = JSON.stringify(p[target.key] ?? null);
  }
  return root;
}

const jsonBody = (base: () => Json) =>
  fc
    .array(mutation, { maxLength: 3 })
    .map((m) => ({ type: 'application/json', body: JSON.stringify(mutate(base(), m)) }));

const inventoryText = fc
  .array(
    fc.tuple(fc.nat(), fc.oneof(fc.string(), fc.constant(''), fc.constant('gpg-pubkey-1-2'))),
    { maxLength: 3 },
  )
  .map((edits) => {
    const lines = GEN2_HEAD.split('\n');
    for (const [at, text] of edits) lines[at % lines.length] = text;
    return lines.join('\n');
  });

/** Bodies shaped for a route, mutated, so validation deep inside the handler is reached. */
const bodyFor = (template: string, method: string) => {
  if (method === 'POST' && template === '/api/subscriptions') return jsonBody(validCreate);
  if (method === 'PATCH') return jsonBody(validPatch);
  if (method === 'PUT') {
    return fc.oneof(
      inventoryText.map((t) => ({ type: 'text/plain', body: t })),
      jsonBody(() => CDX_SMALL),
    );
  }
  if (template.endsWith('/test')) {
    return jsonBody(() => ({ channelId: 'teams-1' }));
  }
  return fc.constant({
    type: 'application/x-www-form-urlencoded',
    body: 'List-Unsubscribe=One-Click',
  });
};

const anyBody = fc.oneof(
  jsonBody(validCreate),
  jsonBody(validPatch),
  jsonBody(() => CDX_SMALL),
  fc.jsonValue().map((v) => ({ type: 'application/json', body: JSON.stringify(v) ?? 'null' })),
  inventoryText.map((t) => ({ type: 'text/plain', body: t })),
  fc.string({ maxLength: 300 }).map((s) => ({ type: 'text/plain', body: s })),
  fc.constant({ type: 'application/x-www-form-urlencoded', body: 'List-Unsubscribe=One-Click' }),
  fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 200 })).map(([type, s]) => ({
    type: type.replace(/[^\x20-\x7e]/g, ''),
    body: s,
  })),
  fc
    .uint8Array({ maxLength: 300 })
    .map((bytes) => ({ type: 'application/json', body: Buffer.from(bytes).toString('latin1') })),
  fc.constant({ type: '', body: '' }),
);

const idArb = () =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(a.id) },
    { weight: 2, arbitrary: fc.constant(b.id) },
    fc.constant('does-not-exist'),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('..', '%2e%2e', 'A'.repeat(200), a.id.toUpperCase()),
    // Sent as they are, not re-encoded: malformed percent-encoding must not break the host.
    fc.constantFrom('%', '%zz', '%E0%A4%A', `${a.id}%`, '%00').map((raw) => ({ raw })),
  );

/** Mostly the credential the route wants (so the fuzz gets past the door), sometimes not. */
const auth = () =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant('proper') },
    fc.constantFrom(
      'none',
      'token-a',
      'token-b',
      'garbage',
      'admin',
      'wrong-admin',
      'token-a+wrong-admin',
    ),
  );

/** A's address, as links name it: the real subscription's token and channel. */
const emailOf = (f: Fixture) => f.stored.channels.find((c) => c.type === 'email')!;
const NOW = () => new Date();

const tokenArb = () =>
  fc.oneof(
    fc.constant(signChannelLink('unsubscribe', a.stored, emailOf(a), env.signingKey, NOW())),
    fc.constant(signChannelLink('confirm-email', b.stored, emailOf(b), env.signingKey, NOW())),
    fc.string({ maxLength: 80 }),
    fc.constant(
      signChannelLink(
        'unsubscribe',
        b.stored,
        emailOf(b),
        'another-key-0123456789abcdefghijklmn',
        NOW(),
      ),
    ),
  );

const ROUTES: [string, string][] = [
  ['POST', '/api/subscriptions'],
  ['GET', '/api/subscriptions/{id}'],
  ['PATCH', '/api/subscriptions/{id}'],
  ['DELETE', '/api/subscriptions/{id}'],
  ['PUT', '/api/subscriptions/{id}/inventory'],
  ['PUT', '/api/subscriptions/{id}/inventories/{name}'],
  ['DELETE', '/api/subscriptions/{id}/inventories/{name}'],
  ['GET', '/api/subscriptions/{id}/matches'],
  ['GET', '/api/subscriptions/{id}/preview'],
  ['POST', '/api/subscriptions/{id}/test'],
  ['GET', '/api/releases'],
  ['GET', '/api/releases/{tag}'],
  ['GET', '/api/openapi.json'],
  ['GET', '/api/confirm'],
  ['POST', '/api/confirm'],
  ['GET', '/api/unsubscribe'],
  ['POST', '/api/unsubscribe'],
];

const request = () =>
  fc
    .tuple(
      fc.constantFrom(...ROUTES),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
      ),
    )
    .chain(([route, otherMethod]) =>
      fc.record({
        route: fc.constant(route),
        method: fc.constant(otherMethod ?? route[0]),
        id: idArb(),
        name: fc.oneof(
          fc.constantFrom('default', 'pool', 'new-pool', 'POOL'),
          fc.string({ maxLength: 70 }),
        ),
        tag: fc.oneof(fc.constant('3.0.20260429-3.0'), fc.string({ maxLength: 30 })),
        token: tokenArb(),
        release: fc.option(fc.oneof(fc.constant('3.0.20260429-3.0'), fc.string({ maxLength: 20 }))),
        channel: fc.oneof(fc.constantFrom('teams', 'email'), fc.string({ maxLength: 10 })),
        auth: auth(),
        body: fc.oneof(
          { weight: 2, arbitrary: bodyFor(route[1], otherMethod ?? route[0]) },
          anyBody,
        ),
        extraHeaders: fc.dictionary(
          fc.stringMatching(/^x-[a-z-]{1,12}$/),
          fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim()),
          { maxKeys: 3 },
        ),
      }),
    );

it(`never answers 5xx, leaves no partial state, and keeps subscriptions apart (${RUNS} requests)`, async () => {
  const statuses = new Map<number, number>();
  let failures = 0;
  let successes = 0;
  const othersBefore = await env.snapshot();
  for (const key of othersBefore.keys())
    if (key.startsWith('subscriptions/')) othersBefore.delete(key);
  await fc.assert(
    fc.asyncProperty(request(), async (r) => {
      const [routeMethod, template] = r.route;
      const { method, body } = r;
      let path = template
        .replace('{id}', typeof r.id === 'string' ? encodeURIComponent(r.id) : r.id.raw)
        .replace('{name}', encodeURIComponent(r.name))
        .replace('{tag}', encodeURIComponent(r.tag));
      if (template === '/api/confirm' || template === '/api/unsubscribe')
        path += `?token=${encodeURIComponent(r.token)}`;
      if (template.endsWith('/preview')) path += `?channel=${encodeURIComponent(r.channel)}&`;
      else if (template.endsWith('/matches')) path += '?';
      if (/\/(matches|preview)$/.test(template) && r.release !== null)
        path += `release=${encodeURIComponent(r.release)}`;

      const proper =
        template === '/api/subscriptions' ? 'admin' : r.id === b.id ? 'token-b' : 'token-a';
      const authKind = r.auth === 'proper' ? proper : r.auth;
      const headers: Record<string, string> = { ...r.extraHeaders };
      if (authKind === 'token-a' || authKind === 'token-a+wrong-admin')
        headers.authorization = `Bearer ${a.token}`;
      if (authKind === 'token-b') headers.authorization = `Bearer ${b.token}`;
      if (authKind === 'garbage') headers.authorization = `Bearer azln_${'x'.repeat(43)}`;
      if (authKind === 'admin') headers['x-functions-key'] = env.adminKey;
      if (authKind.endsWith('wrong-admin')) headers['x-functions-key'] = 'wrong';
      if (body.type) headers['content-type'] = body.type;
      const sendsBody = method !== 'GET' && body.body !== '';

      const mutating = method !== 'GET';
      const before = mutating ? await env.snapshot(API_WRITES) : undefined;
      const res = await fetch(env.url + path, {
        method,
        headers,
        body: sendsBody ? body.body : undefined,
        redirect: 'manual',
      });
      const text = await res.text();
      expect(res.status, `${method} ${path} → ${text.slice(0, 300)}`).toBeLessThan(500);

      if (res.status >= 400) {
        failures++;
        if (before)
          expect(
            await env.snapshot(API_WRITES),
            `${method} ${path} changed storage on ${res.status}`,
          ).toEqual(before);
      } else successes++;

      // A's token never acts on B: the same 404 an unknown id gets.
      if (
        authKind === 'token-a' &&
        r.id === b.id &&
        method === routeMethod &&
        template.includes('{id}')
      ) {
        expect(res.status, `${method} ${path} with A's token`).toBe(404);
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // Only a successful DELETE can remove a fixture; put it back for the next runs.
      if (method === 'DELETE' && res.status < 300) {
        await restore(a);
        await restore(b);
      }
    }),
    {
      numRuns: RUNS,
      seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31),
      endOnFailure: true,
    },
  );
  // The fuzzing must reach both outcomes, or it is only testing the front door.
  expect(failures).toBeGreaterThan(RUNS / 4);
  expect(successes).toBeGreaterThan(RUNS / 20);
  expect(env.errors).toEqual([]);
  const othersAfter = await env.snapshot();
  for (const key of othersAfter.keys())
    if (key.startsWith('subscriptions/')) othersAfter.delete(key);
  expect(othersAfter).toEqual(othersBefore);
  console.log(
    'fuzz status histogram',
    Object.fromEntries([...statuses].sort((x, y) => x[0] - y[0])),
  );
}, 300_000);
