import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/security/tokens.js';
import { parseMime, partOfType } from '../../scripts/stand-ins/mime.js';
import {
  api,
  createSubscription,
  recordedChangeSet,
  startApiEnv,
  storeRecordedRelease,
  type ApiEnv,
} from '../support/api-env.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';

const FIX = new URL('../fixtures/', import.meta.url);
const GEN2 = readFileSync(
  new URL('inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt', FIX),
  'utf8',
);
const GEN2_CDX = readFileSync(new URL('inventories/gen2.cdx.json', FIX), 'utf8');
const ANSWER = readAnswerKey(GEN2_CASE);

let env: ApiEnv;
beforeAll(async () => {
  env = await startApiEnv();
});
afterAll(async () => env?.close());

interface Created {
  id: string;
  token: string;
  channels: { id: string; type: string; webhookUrl?: string; status?: string }[];
}

const create = async (name: string, extra: Record<string, unknown> = {}): Promise<Created> =>
  (await createSubscription(env, name, extra)).json as Created;

const linkFrom = (raw: string, path: string): string => {
  // Quoted-printable may wrap the URL; undo soft breaks before searching.
  const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const m = new RegExp(`http://127\\.0\\.0\\.1:7071${path}\\?token=[A-Za-z0-9_.-]+`).exec(text);
  if (!m) throw new Error(`no ${path} link in mail`);
  return m[0].replace('http://127.0.0.1:7071', '');
};

describe('creation (the first documented shape)', () => {
  it('answers 201 with id and a once-only token, stores only its hash, masks the webhook and sends one confirmation mail', async () => {
    const before = env.mail.length;
    const res = await api(env, 'POST', '/api/subscriptions', {
      admin: true,
      json: {
        name: 'aks-prod-weu',
        lines: ['3.0'],
        channels: [
          { type: 'teams', webhookUrl: env.sinkUrl },
          { type: 'email', address: 'oncall@example.com', frequency: 'instant' },
        ],
        inventories: [{ name: 'nodepool-system', content: GEN2 }],
      },
    });
    expect(res.status, res.text).toBe(201);
    const body = res.json as Created & { inventories: unknown[] };
    expect(body.token).toMatch(/^azln_[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('location')).toBe(`/api/subscriptions/${body.id}`);
    expect(body.inventories).toEqual([
      { name: 'nodepool-system', format: 'rpm-qa', packages: GEN2.trim().split('\n').length },
    ]);
    expect(body.channels).toEqual([
      {
        id: 'teams-1',
        type: 'teams',
        webhookUrl: 'http://127.0.0.1:' + new URL(env.sinkUrl).port + '/…(masked)',
      },
      {
        id: 'email-1',
        type: 'email',
        address: 'oncall@example.com',
        frequency: 'instant',
        status: 'pending-confirmation',
        confirmationMail: { state: 'sent', at: expect.any(String) as string },
      },
    ]);
    expect(res.text).not.toContain('SINKSECRET');

    const stored = (await env.store.getSubscription(body.id))!.value;
    expect(stored.tokenHash).toBe(hashToken(body.token));
    expect(JSON.stringify(stored)).not.toContain(body.token);
    expect(await env.store.getInventory(body.id, 'nodepool-system')).toBe(GEN2);

    const mails = env.mail.slice(before);
    expect(mails.map((m) => m.to)).toEqual([['oncall@example.com']]);
    expect(mails[0]!.raw).toContain('/api/confirm?token=');

    const again = await api(env, 'GET', `/api/subscriptions/${body.id}`, { token: body.token });
    expect(again.status).toBe(200);
    expect(again.json).not.toHaveProperty('token');
  });

  it('needs the function key', async () => {
    const body = {
      name: 'x',
      lines: ['3.0'],
      channels: [{ type: 'email', address: 'a@example.com' }],
    };
    expect((await api(env, 'POST', '/api/subscriptions', { json: body })).status).toBe(401);
    const wrong = await api(env, 'POST', '/api/subscriptions', {
      json: body,
      type: 'application/json',
    });
    expect(wrong.status).toBe(401);
    const res = await fetch(`${env.url}/api/subscriptions`, {
      method: 'POST',
      headers: { 'x-functions-key': 'nope', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it.each([
    ['private address', 'https://10.0.0.1/hook'],
    ['decimal loopback', 'https://2130706433/hook'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['user@host', 'https://contoso.webhook.office.com@evil.com/'],
    ['host off the allow-list', 'https://evil.example.com/hook'],
    ['allowed name that does not resolve here', 'https://contoso.webhook.office.com/hook'],
    ['metadata endpoint over http', 'http://169.254.169.254/latest'],
  ])('refuses a webhook to a %s with 400 at the field path, storing nothing', async (_l, url) => {
    const before = await env.snapshot();
    const mails = env.mail.length;
    const res = await api(env, 'POST', '/api/subscriptions', {
      admin: true,
      json: {
        name: 'ssrf',
        lines: ['3.0'],
        channels: [
          { type: 'email', address: 'x@example.com' },
          { type: 'teams', webhookUrl: url },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((res.json as { errors: { path: string }[] }).errors[0]!.path).toBe(
      'channels.1.webhookUrl',
    );
    expect(await env.snapshot()).toEqual(before);
    expect(env.mail.length).toBe(mails);
  });

  it('refuses a bad inventory line with its line number, storing nothing', async () => {
    const before = await env.snapshot();
    const res = await api(env, 'POST', '/api/subscriptions', {
      admin: true,
      json: {
        name: 'bad-inv',
        lines: ['3.0'],
        channels: [{ type: 'email', address: 'y@example.com' }],
        inventories: [
          { name: 'ok', content: GEN2 },
          { name: 'bad', content: 'openssl-3.3.5-1.azl3.x86_64\n!!!\n' },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect((res.json as { detail: string }).detail).toMatch(/^inventories\.1\.content: line 2: /);
    expect(await env.snapshot()).toEqual(before);
  });

  it('refuses unknown fields and malformed JSON (400) and other media types (415)', async () => {
    const unknown = await api(env, 'POST', '/api/subscriptions', {
      admin: true,
      json: {
        name: 'u',
        lines: ['3.0'],
        channels: [{ type: 'email', address: 'u@example.com' }],
        colour: 'red',
      },
    });
    expect(unknown.status).toBe(400);
    const malformed = await api(env, 'POST', '/api/subscriptions', {
      admin: true,
      body: '{"name":',
      type: 'application/json',
    });
    expect(malformed.status).toBe(400);
    const wrongType = await api(env, 'POST', '/api/subscriptions', {
      admin: true,
      body: 'name=x',
      type: 'application/x-www-form-urlencoded',
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('authorization between subscriptions', () => {
  let a: Created;
  let b: Created;
  beforeAll(async () => {
    a = await create('team-a');
    b = await create('team-b');
  });

  it('answers 404, never 403, to every read or write of another subscription, and changes nothing', async () => {
    const before = await env.snapshot();
    const attempts: [string, string, Parameters<typeof api>[3]][] = [
      ['GET', `/api/subscriptions/${b.id}`, {}],
      ['PATCH', `/api/subscriptions/${b.id}`, { json: { name: 'pwned' } }],
      ['DELETE', `/api/subscriptions/${b.id}`, {}],
      ['PUT', `/api/subscriptions/${b.id}/inventory`, { body: GEN2, type: 'text/plain' }],
      ['PUT', `/api/subscriptions/${b.id}/inventories/pool`, { body: GEN2, type: 'text/plain' }],
      ['DELETE', `/api/subscriptions/${b.id}/inventories/default`, {}],
      ['GET', `/api/subscriptions/${b.id}/matches`, {}],
      ['GET', `/api/subscriptions/${b.id}/preview?channel=teams`, {}],
      ['POST', `/api/subscriptions/${b.id}/test`, {}],
    ];
    const sinkPosts = env.sinkPosts.length;
    for (const [method, path, opts] of attempts) {
      const res = await api(env, method, path, { ...opts, token: a.token });
      expect(res.status, `${method} ${path}`).toBe(404);
      // Same answer as an id that does not exist at all.
      const ghost = await api(env, method, path.replace(b.id, 'does-not-exist'), {
        ...opts,
        token: a.token,
      });
      expect(ghost.status).toBe(404);
      expect(ghost.json).toMatchObject({ detail: (res.json as { detail: string }).detail });
    }
    expect(await env.snapshot()).toEqual(before);
    expect(env.sinkPosts.length).toBe(sinkPosts);
  });

  it('401 without credentials, whatever the id', async () => {
    for (const id of [b.id, 'does-not-exist']) {
      const res = await api(env, 'GET', `/api/subscriptions/${id}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('lets the admin key read any subscription, and a token its own', async () => {
    expect((await api(env, 'GET', `/api/subscriptions/${b.id}`, { admin: true })).status).toBe(200);
    expect((await api(env, 'GET', `/api/subscriptions/${b.id}`, { token: b.token })).status).toBe(
      200,
    );
  });
});

describe('inventories', () => {
  let s: Created;
  beforeAll(async () => {
    s = await create('inv');
  });

  it('accepts rpm -qa text as the default inventory and CycloneDX JSON as a named one', async () => {
    const put = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventory`, {
      token: s.token,
      body: GEN2,
      type: 'text/plain',
    });
    expect(put.status, put.text).toBe(201);
    expect(put.json).toEqual({
      name: 'default',
      format: 'rpm-qa',
      packages: GEN2.split('\n').filter((l) => l.trim()).length,
    });
    const again = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventory`, {
      token: s.token,
      body: GEN2,
      type: 'text/plain; charset=utf-8',
    });
    expect(again.status).toBe(200);
    const sbom = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventories/nodepool-user`, {
      token: s.token,
      body: GEN2_CDX,
      type: 'application/json',
    });
    expect(sbom.status, sbom.text).toBe(201);
    expect(sbom.json).toMatchObject({ name: 'nodepool-user', format: 'cyclonedx' });
    const view = await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token });
    expect(
      (view.json as { inventories: { name: string }[] }).inventories.map((i) => i.name),
    ).toEqual(['default', 'nodepool-user']);
  });

  it('413 over 10 MB or 20,000 packages, 415 for other types, 400 with a line number; nothing written', async () => {
    const before = await env.snapshot();
    const path = `/api/subscriptions/${s.id}/inventories/big`;
    const huge = 'a'.repeat(10 * 1024 * 1024 + 1);
    expect(
      (await api(env, 'PUT', path, { token: s.token, body: huge, type: 'text/plain' })).status,
    ).toBe(413);
    const many = Array.from({ length: 20_001 }, (_, i) => `pkg${i}-1.0-1.azl3.x86_64`).join('\n');
    expect(
      (await api(env, 'PUT', path, { token: s.token, body: many, type: 'text/plain' })).status,
    ).toBe(413);
    expect(
      (await api(env, 'PUT', path, { token: s.token, body: GEN2, type: 'application/xml' })).status,
    ).toBe(415);
    expect(
      (await api(env, 'PUT', path, { token: s.token, body: GEN2_CDX, type: 'text/plain' })).status,
    ).toBe(415);
    const bad = await api(env, 'PUT', path, {
      token: s.token,
      body: 'openssl-3.3.5-1.azl3.x86_64\nnot a package\n',
      type: 'text/plain',
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { detail: string }).detail).toMatch(/line 2/);
    expect(await env.snapshot()).toEqual(before);
  });

  it('matches: what the latest release changes for the inventory, as the answer key says', async () => {
    await storeRecordedRelease(env.store, '3.0.20260429-3.0');
    const res = await api(env, 'GET', `/api/subscriptions/${s.id}/matches`, { token: s.token });
    expect(res.status, res.text).toBe(200);
    type Update = { package: string; installed: string; fixed: string; cves: { id: string }[] };
    const body = res.json as {
      releases: {
        tag: string;
        inventories: { name: string; result: { affected: Update[]; behind: Update[] } }[];
      }[];
    };
    expect(body.releases.map((r) => r.tag)).toEqual(['3.0.20260429-3.0']);
    const def = body.releases[0]!.inventories.find((i) => i.name === 'default')!;
    const line = (u: { package: string; installed: string; cves: (string | { id: string })[] }) =>
      `${u.package} ${u.installed} ${u.cves
        .map((c) => (typeof c === 'string' ? c : c.id))
        .sort()
        .join(',')}`;
    expect(def.result.affected.map(line).sort()).toEqual(ANSWER.affected.map(line).sort());
    // What the node still misses from 3.0.20260414-3.0, with the CVEs new for it.
    expect(def.result.behind.map(line).sort()).toEqual(
      ANSWER.behind
        .filter((b) => !b.changed_in_release)
        .map(line)
        .sort(),
    );
    for (const want of ['openssh', 'sudo', 'systemd']) {
      expect(def.result.affected.some((p) => p.package.startsWith(want))).toBe(true);
    }
  });
});

describe('inventories that cannot be silently wrong (422)', () => {
  let s: Created;
  beforeAll(async () => {
    s = await create('distro-checks');
  });
  const put = (body: string) =>
    api(env, 'PUT', `/api/subscriptions/${s.id}/inventories/pool`, {
      token: s.token,
      body,
      type: 'text/plain',
    });

  it('refuses another distribution, and a 2.0 node under a 3.0 subscription, storing nothing', async () => {
    const before = await env.snapshot();
    const fedora = await put('bash-5.2.26-3.fc40.x86_64\nglibc-2.39-8.fc40.x86_64\n');
    expect(fedora.status).toBe(422);
    expect(fedora.headers.get('content-type')).toBe('application/problem+json');
    expect((fedora.json as { detail: string }).detail).toMatch(
      /^body: line 1: not an Azure Linux inventory: .*Fedora 40/,
    );
    const mariner = await put('bash-5.1.8-4.cm2.x86_64\ncurl-8.8.0-2.cm2.x86_64\n');
    expect(mariner.status).toBe(422);
    expect((mariner.json as { detail: string }).detail).toBe(
      'body: the inventory is Azure Linux 2.0, but the subscription watches 3.0',
    );
    const mixed = await put(`${GEN2}curl-8.8.0-2.cm2.x86_64\n`);
    expect(mixed.status).toBe(422);
    expect(await env.snapshot()).toEqual(before);
  });

  it('refuses them at creation too, with the field path', async () => {
    const res = await api(env, 'POST', '/api/subscriptions', {
      admin: true,
      json: {
        name: 'fedora',
        lines: ['3.0'],
        channels: [{ type: 'teams', webhookUrl: env.sinkUrl }],
        inventories: [{ name: 'x', content: 'bash-5.2.26-3.fc40.x86_64\n' }],
      },
    });
    expect(res.status).toBe(422);
    expect((res.json as { errors: { path: string }[] }).errors[0]?.path).toBe(
      'inventories.0.content',
    );
  });

  it('shows each inventory with its format, package count, line and upload time', async () => {
    expect((await put(GEN2)).status).toBe(201);
    const view = await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token });
    const inventories = (view.json as { inventories: Record<string, unknown>[] }).inventories;
    expect(inventories).toEqual([
      {
        name: 'pool',
        format: 'rpm-qa',
        packages: GEN2.trim().split('\n').length,
        line: '3.0',
        uploadedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) as unknown,
        bytes: Buffer.byteLength(GEN2),
      },
    ]);
  });

  it('refuses a PATCH of lines that would orphan an inventory', async () => {
    const res = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: { lines: ['2.0'] },
    });
    expect(res.status).toBe(422);
    expect((res.json as { detail: string }).detail).toContain('inventory pool is Azure Linux 3.0');
  });

  it('takes the --fail-on ladder as minSeverity', async () => {
    for (const minSeverity of ['any', 'unknown', 'medium']) {
      const res = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
        token: s.token,
        json: { filters: { minSeverity } },
      });
      expect(res.status, res.text).toBe(200);
    }
    const bad = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: { filters: { minSeverity: 'severe' } },
    });
    expect(bad.status).toBe(400);
  });
});

describe('AKS node images as inventories', () => {
  const IMAGE = 'AKSAzureLinux-V3gen2-202604.13.0';
  let s: Created;
  beforeAll(async () => {
    await storeRecordedRelease(env.store, '3.0.20260429-3.0');
    s = await create('aks-pool', { inventories: [{ name: 'system', aksNodeImage: IMAGE }] });
  });
  type Update = { package: string; installed: string; fixedInNodeImage?: string | null };
  const matches = async () => {
    const res = await api(env, 'GET', `/api/subscriptions/${s.id}/matches`, { token: s.token });
    expect(res.status, res.text).toBe(200);
    const body = res.json as {
      releases: {
        inventories: {
          name: string;
          result: {
            affected: Update[];
            behind: Update[];
            nodeImages: { image: string; upgradeTo: unknown }[];
          };
        }[];
      }[];
    };
    return body.releases[0]!.inventories.find((i) => i.name === 'system')!.result;
  };

  it('reads the image release notes at creation, and answers with the image that fixes it all', async () => {
    const view = await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token });
    expect((view.json as { inventories: unknown[] }).inventories).toEqual([
      expect.objectContaining({ name: 'system', format: 'aks-release-notes', aksNodeImage: IMAGE }),
    ]);
    const result = await matches();
    const line = (u: Update) => `${u.package} ${u.installed}`;
    expect([...result.affected, ...result.behind].map(line).sort()).toEqual(
      ANSWER.behind.map(line).sort(),
    );
    expect(result.nodeImages).toEqual([
      {
        image: IMAGE,
        upgradeTo: { nodeImage: '202605.14.0', covers: 34, of: 34 },
        newest: '202608.20.0',
      },
    ]);
    expect(result.affected.find((u) => u.package === 'kernel')?.fixedInNodeImage).toBe(
      '202605.05.1',
    );
  });

  it('follows the pool with a PATCH of its image; unknown and 2.0 images are 422', async () => {
    const path = `/api/subscriptions/${s.id}/inventories/system`;
    const moved = await api(env, 'PATCH', path, {
      token: s.token,
      json: { aksNodeImage: 'AKSAzureLinux-V3gen2-202605.14.0' },
    });
    expect(moved.status, moved.text).toBe(200);
    expect((moved.json as { aksNodeImage: string }).aksNodeImage).toBe(
      'AKSAzureLinux-V3gen2-202605.14.0',
    );
    // On 202605.14.0 nothing of 3.0.20260429-3.0 is missing.
    const after = await matches();
    expect([...after.affected, ...after.behind]).toEqual([]);

    const before = await env.snapshot();
    const unknown = await api(env, 'PATCH', path, {
      token: s.token,
      json: { aksNodeImage: 'AKSAzureLinux-V3gen2-202604.14.0' },
    });
    expect(unknown.status).toBe(422);
    expect((unknown.json as { detail: string }).detail).toContain(
      'nearest: AKSAzureLinux-V3gen2-202603.30.0',
    );
    const mariner = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventories/old`, {
      token: s.token,
      json: { aksNodeImage: 'AKSCBLMariner-V2gen2-202512.06.0' },
    });
    expect(mariner.status).toBe(422);
    expect((mariner.json as { detail: string }).detail).toContain('out of support');
    const bad = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventories/old`, {
      token: s.token,
      json: { aksNodeImage: 'ubuntu' },
    });
    expect(bad.status).toBe(400);
    expect(await env.snapshot()).toEqual(before);
  });

  it('takes a node image by PUT as JSON, and refuses a PATCH of a package list', async () => {
    const put = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventories/user`, {
      token: s.token,
      json: { aksNodeImage: 'AKSAzureLinux-V3gen2arm64-202604.13.0' },
    });
    expect(put.status, put.text).toBe(201);
    expect(put.json).toMatchObject({ name: 'user', format: 'aks-release-notes' });
    const plain = await create('plain-pool', { inventories: [{ name: 'default', content: GEN2 }] });
    const patch = await api(env, 'PATCH', `/api/subscriptions/${plain.id}/inventories/default`, {
      token: plain.token,
      json: { aksNodeImage: IMAGE },
    });
    expect(patch.status).toBe(422);
  });
});

describe('preview', () => {
  const TAG = '3.0.20260429-3.0';
  let s: Created;
  beforeAll(async () => {
    // Create-if-absent: the matches test above may have recorded it already.
    await storeRecordedRelease(env.store, TAG);
    s = await create('preview', {
      filters: { exclude: ['systemd*'] },
      inventories: [{ name: 'nodepool-system', content: GEN2 }],
    });
  });
  const preview = (query: string, opts: Parameters<typeof api>[3] = {}) =>
    api(env, 'GET', `/api/subscriptions/${s.id}/preview${query}`, { token: s.token, ...opts });

  it("teams: the webhook body for the answer key, after the filters, with this subscription's links", async () => {
    const sinkPosts = env.sinkPosts.length;
    const res = await preview(`?channel=teams&release=${TAG}`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = res.json as { type: string; attachments: { contentType: string }[] };
    expect(body.type).toBe('message');
    expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const kept = ANSWER.affected.filter((p) => !p.package.startsWith('systemd'));
    for (const source of new Set(kept.map((p) => p.source_package))) {
      expect(res.text, source).toContain(source);
    }
    expect(res.text).not.toContain('systemd');
    // "Full list" opens the release's page, signed for this subscription.
    expect(res.text).toMatch(
      new RegExp(
        `http://127\\.0\\.0\\.1:7071/s/${s.id}/releases/${TAG.replace(/\./g, '\\.')}\\?token=[\\w.-]+`,
      ),
    );
    // The default release is the newest one with a change set; the admin key works too.
    expect((await preview('?channel=teams', { token: undefined, admin: true })).text).toBe(
      res.text,
    );
    expect(env.sinkPosts.length).toBe(sinkPosts);
  });

  it("email: the complete message to the subscription's address with its unsubscribe link", async () => {
    const mails = env.mail.length;
    const res = await preview(`?channel=email&release=${TAG}`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('message/rfc822');
    const { headers, parts } = parseMime(res.text);
    expect(headers.get('to')).toBe('preview@example.com');
    expect(headers.get('from')).toBe('"azl-notifier" <notify@azl.example.com>');
    expect(headers.get('subject')).toContain(TAG);
    // http base here, so RFC 8058's one-click header is (rightly) absent.
    expect(headers.get('list-unsubscribe')).toMatch(
      /^<http:\/\/127\.0\.0\.1:7071\/api\/unsubscribe\?token=[\w.-]+>$/,
    );
    expect(headers.get('list-unsubscribe-post')).toBeUndefined();
    const text = partOfType(parts, 'text/plain')?.body ?? '';
    for (const p of ANSWER.affected.filter((a) => !a.package.startsWith('systemd'))) {
      expect(text, p.package).toContain(p.package);
      expect(text, p.package).toContain(p.available);
    }
    expect(text).not.toContain('systemd');
    expect(env.mail.length).toBe(mails);
  });

  it('404 for an unknown release and when nothing would be sent; 400 for a bad channel', async () => {
    const unknown = await preview('?channel=teams&release=3.0.19990101-3.0');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');

    const nothing = await create('preview-nothing', {
      filters: { include: ['no-such-package'] },
      inventories: [{ name: 'pool', content: GEN2 }],
    });
    const empty = await api(env, 'GET', `/api/subscriptions/${nothing.id}/preview?channel=email`, {
      token: nothing.token,
    });
    expect(empty.status).toBe(404);
    expect((empty.json as { detail: string }).detail).toMatch(/^nothing would be sent/);

    for (const query of ['', '?channel=sms', `?channel=&release=${TAG}`]) {
      const bad = await preview(query);
      expect(bad.status, query).toBe(400);
      expect((bad.json as { errors: { path: string }[] }).errors[0]?.path).toBe('channel');
    }
    expect((await preview('?channel=teams', { token: undefined })).status).toBe(401);
  });
});

describe('email double opt-in, test sends and one-click unsubscribe', () => {
  it('sends nothing but the confirmation until confirmed; then test mail works; GET unsubscribe shows a page, POST unsubscribes', async () => {
    const start = env.mail.length;
    const s = await create('optin');
    const confirmMail = env.mail.slice(start);
    expect(confirmMail).toHaveLength(1);
    const confirm = linkFrom(confirmMail[0]!.raw, '/api/confirm');

    const sinkBefore = env.sinkPosts.length;
    const unconfirmed = await api(env, 'POST', `/api/subscriptions/${s.id}/test`, {
      token: s.token,
    });
    expect(unconfirmed.status).toBe(200);
    expect((unconfirmed.json as { results: unknown[] }).results).toEqual([
      { channelId: 'teams-1', type: 'teams', sent: true, ok: true, status: 202 },
      { channelId: 'email-1', type: 'email', sent: false, skipped: 'pending-confirmation' },
    ]);
    expect(env.mail.length).toBe(start + 1);
    expect(env.sinkPosts.length).toBe(sinkBefore + 1);
    expect(JSON.parse(env.sinkPosts.at(-1)!)).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }],
    });

    // The link opens a page with one button and changes nothing; the button's POST confirms.
    const page = await api(env, 'GET', confirm);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post"');
    expect(
      (await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token })).text,
    ).toContain('"status":"pending-confirmation"');
    const confirmed = await api(env, 'POST', confirm);
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Address confirmed');
    expect(
      (await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token })).text,
    ).toContain('"status":"confirmed"');

    const tested = await api(env, 'POST', `/api/subscriptions/${s.id}/test`, {
      token: s.token,
      json: { channelId: 'email-1' },
    });
    expect((tested.json as { results: unknown[] }).results).toEqual([
      { channelId: 'email-1', type: 'email', sent: true, ok: true, status: 250 },
    ]);
    const testMail = env.mail.at(-1)!;
    expect(testMail.to).toEqual(['optin@example.com']);
    // RFC 8058's List-Unsubscribe-Post is only added for https links; this env's base is http.
    expect(testMail.raw).toMatch(
      /List-Unsubscribe:\s*<http:\/\/127\.0\.0\.1:7071\/api\/unsubscribe\?token=/,
    );
    const unsubscribe = linkFrom(testMail.raw, '/api/unsubscribe');

    const show = await api(env, 'GET', unsubscribe);
    expect(show.status).toBe(200);
    expect(show.text).toContain('<form method="post"');
    expect(
      (await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token })).text,
    ).toContain('"status":"confirmed"');

    const post = await api(env, 'POST', unsubscribe, {
      body: 'List-Unsubscribe=One-Click',
      type: 'application/x-www-form-urlencoded',
    });
    expect(post.status).toBe(200);
    const after = await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token });
    expect(after.text).toContain('"status":"unsubscribed"');
    expect(
      (
        await api(env, 'POST', unsubscribe, {
          body: 'List-Unsubscribe=One-Click',
          type: 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(200);
  });

  it('refuses tampered and wrong-purpose links without changing anything', async () => {
    const start = env.mail.length;
    const s = await create('tamper');
    const confirm = linkFrom(env.mail[start]!.raw, '/api/confirm');
    const before = await env.snapshot();
    const tampered = confirm.slice(0, -2) + (confirm.endsWith('AA') ? 'BB' : 'AA');
    expect((await api(env, 'GET', tampered)).status).toBe(400);
    const asUnsubscribe = confirm.replace('/api/confirm', '/api/unsubscribe');
    expect(
      (
        await api(env, 'POST', asUnsubscribe, {
          body: 'List-Unsubscribe=One-Click',
          type: 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(400);
    expect(await env.snapshot()).toEqual(before);
    expect(
      (await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token })).text,
    ).toContain('pending-confirmation');
  });
});

describe('patch and delete', () => {
  it('keeps a channel by id without resending its secret, confirms new addresses once, and deletes everything', async () => {
    const start = env.mail.length;
    const s = await create('patchy', { inventories: [{ name: 'pool', content: GEN2 }] });
    const patched = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: {
        name: 'patchy-2',
        channels: [
          { id: 'teams-1', type: 'teams' },
          { id: 'email-1', type: 'email', frequency: 'weekly', weekday: 1, hourUtc: 6 },
          { type: 'email', address: 'new@example.com' },
        ],
        filters: { minSeverity: 'high', exclude: ['kernel*'] },
      },
    });
    expect(patched.status, patched.text).toBe(200);
    const view = patched.json as { name: string; channels: Record<string, unknown>[] };
    expect(view.name).toBe('patchy-2');
    expect(view.channels.map((c) => c.id)).toEqual(['teams-1', 'email-1', 'email-2']);
    expect(view.channels[1]).toMatchObject({ frequency: 'weekly', weekday: 1, hourUtc: 6 });
    expect(env.mail.slice(start).map((m) => m.to[0])).toEqual([
      'patchy@example.com',
      'new@example.com',
    ]);
    const stored = (await env.store.getSubscription(s.id))!.value;
    expect(stored.channels[0]).toMatchObject({ type: 'teams', webhookUrl: env.sinkUrl });

    const del = await api(env, 'DELETE', `/api/subscriptions/${s.id}`, { token: s.token });
    expect(del.status).toBe(204);
    expect(await env.store.getSubscription(s.id)).toBeUndefined();
    expect(await env.store.getInventory(s.id, 'pool')).toBeUndefined();
    expect((await api(env, 'GET', `/api/subscriptions/${s.id}`, { token: s.token })).status).toBe(
      404,
    );
  });
});

describe('edits that cannot lose anything silently', () => {
  it('names the channels a PATCH list removed, masked, and none when it kept them all', async () => {
    const s = await create('removal');
    const cut = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: { channels: [{ id: 'email-1', type: 'email' }] },
    });
    expect(cut.status, cut.text).toBe(200);
    const body = cut.json as { channels: { id: string }[]; removedChannels: Created['channels'] };
    expect(body.channels.map((c) => c.id)).toEqual(['email-1']);
    expect(body.removedChannels.map(({ id, type }) => ({ id, type }))).toEqual([
      { id: 'teams-1', type: 'teams' },
    ]);
    expect(body.removedChannels[0]?.webhookUrl).toMatch(/…\(masked\)$/);
    expect(cut.text).not.toContain('SINKSECRET');
    const kept = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: { channels: [{ id: 'email-1', type: 'email' }] },
    });
    expect((kept.json as { removedChannels: unknown[] }).removedChannels).toEqual([]);
  });

  it("rotates the token: the new one is shown once, the old one is no one's", async () => {
    const s = await create('rotation');
    expect((await api(env, 'POST', `/api/subscriptions/${s.id}/token`)).status).toBe(401);
    const res = await api(env, 'POST', `/api/subscriptions/${s.id}/token`, { token: s.token });
    expect(res.status, res.text).toBe(200);
    const { token } = res.json as { token: string };
    expect(token).toMatch(/^azln_[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(s.token);
    expect((await env.store.getSubscription(s.id))?.value.tokenHash).toBe(hashToken(token));
    const read = (t: string) => api(env, 'GET', `/api/subscriptions/${s.id}`, { token: t });
    expect((await read(s.token)).status).toBe(404);
    expect((await read(token)).status).toBe(200);
    expect((await read(token)).text).not.toContain(token);
  });
});

describe('releases and openapi', () => {
  it('lists releases newest first and shows one with its change set', async () => {
    const list = await api(env, 'GET', '/api/releases');
    expect(list.status).toBe(200);
    expect((list.json as { releases: { tag: string }[] }).releases[0]?.tag).toBe(
      '3.0.20260429-3.0',
    );
    const one = await api(env, 'GET', '/api/releases/3.0.20260429-3.0');
    expect((one.json as { changeSet: { changes: unknown[] } }).changeSet.changes.length).toBe(
      recordedChangeSet('3.0.20260429-3.0').changes.length,
    );
    expect((await api(env, 'GET', '/api/releases/3.0.19990101-3.0')).status).toBe(404);
  });

  it('serves the OpenAPI document', async () => {
    const res = await api(env, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect((res.json as { openapi: string }).openapi).toBe('3.1.0');
  });
});

describe('dead letters (ops)', () => {
  it('lists them for the admin key only, oldest first, with reason and outcome, filtered on request', async () => {
    const letter = (key: string, at: string, outcome: 'failed' | 'uncertain') => ({
      kind: 'delivery' as const,
      key,
      outcome,
      reason: `why ${key}`,
      at,
      attempts: 1,
      payload: { key },
    });
    await env.store.putDeadLetter(
      letter('delivery/r/s/teams-1', '2026-05-01T10:00:00.000Z', 'uncertain'),
    );
    await env.store.putDeadLetter(
      letter('delivery/r/s/email-1', '2026-05-01T09:00:00.000Z', 'failed'),
    );

    expect((await api(env, 'GET', '/api/ops/dead-letters')).status).toBe(401);
    const all = await api(env, 'GET', '/api/ops/dead-letters', { admin: true });
    expect(all.status).toBe(200);
    expect(all.json).toEqual({
      deadLetters: [
        letter('delivery/r/s/email-1', '2026-05-01T09:00:00.000Z', 'failed'),
        letter('delivery/r/s/teams-1', '2026-05-01T10:00:00.000Z', 'uncertain'),
      ],
    });
    const uncertain = await api(env, 'GET', '/api/ops/dead-letters?outcome=uncertain', {
      admin: true,
    });
    expect(
      (uncertain.json as { deadLetters: { key: string }[] }).deadLetters.map((l) => l.key),
    ).toEqual(['delivery/r/s/teams-1']);
    const bad = await api(env, 'GET', '/api/ops/dead-letters?outcome=lost', { admin: true });
    expect(bad.status).toBe(400);
    expect((bad.json as { errors: { path: string }[] }).errors[0]?.path).toBe('outcome');
  });
});

afterAll(() => {
  // Unexpected errors would have been logged by withProblems; there must be none.
  expect(env.errors).toEqual([]);
});
