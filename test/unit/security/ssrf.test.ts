import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/settings.js';
import { UpstreamError } from '../../../src/errors.js';
import {
  assertSafeWebhookUrl,
  hostMatches,
  safeFetch,
  UnsafeWebhookError,
  type Resolver,
  type WebhookPolicy,
} from '../../../src/security/ssrf.js';

/** The shipped default allow-list, read the way production reads it. */
const DEFAULT_HOSTS = loadSettings({}).webhooks.TEAMS_WEBHOOK_ALLOWED_HOSTS;

/** A fake DNS: only names listed here resolve. */
function dns(table: Record<string, string[]>): Resolver {
  return (host) => {
    const answer = table[host];
    return answer ? Promise.resolve(answer) : Promise.reject(new Error('ENOTFOUND'));
  };
}

const PUBLIC = ['52.96.0.10'];
const policy = (over: Partial<WebhookPolicy> = {}): WebhookPolicy => ({
  allowedHosts: DEFAULT_HOSTS,
  allowInsecure: false,
  resolve: dns({
    'contoso.webhook.office.com': PUBLIC,
    'prod-01.westeurope.logic.azure.com': ['20.50.0.1', '2603:1020::1'],
    'x.environment.api.powerplatform.com': PUBLIC,
    'flow.powerautomate.com': PUBLIC,
    'internal.webhook.office.com': ['10.0.0.5'],
    'mixed.webhook.office.com': ['52.96.0.11', '192.168.1.1'],
    'meta.webhook.office.com': ['169.254.169.254'],
    'cgnat.webhook.office.com': ['100.64.1.1'],
    'v6local.webhook.office.com': ['fd00::1'],
    'v6link.webhook.office.com': ['fe80::1'],
    'v6loop.webhook.office.com': ['::1'],
    'mapped.webhook.office.com': ['::ffff:127.0.0.1'],
    'nat64.webhook.office.com': ['64:ff9b::a00:1'],
    'multicast.webhook.office.com': ['224.0.0.251'],
    'zero.webhook.office.com': ['0.0.0.0'],
    'empty.webhook.office.com': [],
  }),
  ...over,
});

const WORKFLOW_URL =
  'https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=secret';

describe('assertSafeWebhookUrl accepts real webhook URLs', () => {
  it.each([
    'https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456',
    'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=secret',
    'https://x.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/1',
    'https://flow.powerautomate.com/hook',
    'https://CONTOSO.Webhook.Office.com/x',
  ])('%s', async (url) => {
    const parsed = await assertSafeWebhookUrl(url, policy());
    expect(parsed.protocol).toBe('https:');
  });

  it('accepts an explicit :443, which the URL standard normalises to the default port', async () => {
    await expect(assertSafeWebhookUrl(WORKFLOW_URL, policy())).resolves.toBeInstanceOf(URL);
  });
});

describe('assertSafeWebhookUrl refuses SSRF attempts', () => {
  it.each([
    ['plain http', 'http://contoso.webhook.office.com/x'],
    ['other scheme', 'ftp://contoso.webhook.office.com/x'],
    ['file scheme', 'file:///etc/passwd'],
    ['relative', '/api/ops/detect'],
    ['not a URL', 'contoso.webhook.office.com'],
    ['host not allowed', 'https://evil.example.com/x'],
    ['suffix trick', 'https://evilwebhook.office.com/x'],
    ['bare wildcard base', 'https://webhook.office.com/x'],
    ['allowed name as a prefix', 'https://contoso.webhook.office.com.evil.com/x'],
    ['user@host', 'https://contoso.webhook.office.com@evil.com/'],
    ['user:pass@host', 'https://user:pass@contoso.webhook.office.com/'],
    ['backslash authority trick', 'https://evil.com\\@contoso.webhook.office.com/'],
    ['localhost', 'https://localhost/x'],
    ['loopback IPv4', 'https://127.0.0.1/x'],
    ['decimal loopback', 'https://2130706433/x'],
    ['octal loopback', 'https://0177.0.0.1/x'],
    ['hex loopback', 'https://0x7f.0.0.1/x'],
    ['short loopback', 'https://127.1/x'],
    ['IPv6 loopback', 'https://[::1]/x'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/x'],
    ['metadata IP', 'https://169.254.169.254/latest/meta-data'],
    ['private IP', 'https://10.0.0.1/x'],
    ['public IP literal', 'https://52.96.0.10/x'],
    ['non-default port', 'https://contoso.webhook.office.com:8443/x'],
    ['port 80 on https', 'https://contoso.webhook.office.com:80/x'],
    ['trailing dot', 'https://contoso.webhook.office.com./x'],
    ['encoded trailing dot', 'https://contoso.webhook.office.com%2e/x'],
    ['embedded newline', 'https://contoso.webhook.office.com/x\n'],
    ['embedded tab in host', 'https://contoso.web\thook.office.com/x'],
    ['resolves to 10/8', 'https://internal.webhook.office.com/x'],
    ['one of several answers private', 'https://mixed.webhook.office.com/x'],
    ['resolves to link-local metadata', 'https://meta.webhook.office.com/x'],
    ['resolves to CGNAT', 'https://cgnat.webhook.office.com/x'],
    ['resolves to unique-local IPv6', 'https://v6local.webhook.office.com/x'],
    ['resolves to link-local IPv6', 'https://v6link.webhook.office.com/x'],
    ['resolves to IPv6 loopback', 'https://v6loop.webhook.office.com/x'],
    ['resolves to IPv4-mapped loopback', 'https://mapped.webhook.office.com/x'],
    ['resolves to NAT64 of a private address', 'https://nat64.webhook.office.com/x'],
    ['resolves to multicast', 'https://multicast.webhook.office.com/x'],
    ['resolves to unspecified', 'https://zero.webhook.office.com/x'],
    ['resolves to nothing', 'https://empty.webhook.office.com/x'],
    ['does not resolve', 'https://nxdomain.webhook.office.com/x'],
    ['empty', ''],
    ['too long', `https://contoso.webhook.office.com/${'a'.repeat(2100)}`],
  ])('%s', async (_label, url) => {
    await expect(assertSafeWebhookUrl(url, policy())).rejects.toBeInstanceOf(UnsafeWebhookError);
  });

  it('never echoes the URL path or query (they are credentials) in the message', async () => {
    const err = await assertSafeWebhookUrl(
      'https://internal.webhook.office.com/hook?sig=TOPSECRET',
      policy(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeWebhookError);
    expect((err as Error).message).not.toContain('TOPSECRET');
    expect((err as UnsafeWebhookError).status).toBe(400);
  });

  it('refuses loopback sinks unless ALLOW_INSECURE_WEBHOOKS is on, and then only over http on loopback', async () => {
    await expect(assertSafeWebhookUrl('http://127.0.0.1:9/x', policy())).rejects.toThrow(
      UnsafeWebhookError,
    );
    const insecure = policy({ allowInsecure: true });
    await expect(assertSafeWebhookUrl('http://127.0.0.1:9/x', insecure)).resolves.toBeInstanceOf(
      URL,
    );
    await expect(assertSafeWebhookUrl('http://localhost:9/x', insecure)).resolves.toBeInstanceOf(
      URL,
    );
    for (const url of [
      'http://10.0.0.1:9/x',
      'http://[::1]:9/x',
      'http://contoso.webhook.office.com/x',
      'http://user@127.0.0.1:9/x',
      'https://127.0.0.1:9/x',
    ]) {
      await expect(assertSafeWebhookUrl(url, insecure), url).rejects.toThrow(UnsafeWebhookError);
    }
  });
});

describe('hostMatches', () => {
  it('treats *.x as proper subdomains only', () => {
    expect(hostMatches('a.webhook.office.com', '*.webhook.office.com')).toBe(true);
    expect(hostMatches('a.b.webhook.office.com', '*.webhook.office.com')).toBe(true);
    expect(hostMatches('webhook.office.com', '*.webhook.office.com')).toBe(false);
    expect(hostMatches('evilwebhook.office.com', '*.webhook.office.com')).toBe(false);
    expect(hostMatches('hooks.example.org', 'hooks.example.org')).toBe(true);
    expect(hostMatches('a.hooks.example.org', 'hooks.example.org')).toBe(false);
  });

  it('refuses patterns that would open everything', () => {
    for (const bad of ['*', '*.com', 'a.*.com', '']) {
      expect(() => hostMatches('a.com', bad), bad).toThrow(/TEAMS_WEBHOOK_ALLOWED_HOSTS/);
    }
  });
});

describe('safeFetch', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function listen(
    handler: (req: IncomingMessage, body: string) => [number, Record<string, string>, string],
  ) {
    const requests: { method: string; url: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', body });
        const [status, headers, out] = handler(req, body);
        res.writeHead(status, headers).end(out);
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, requests };
  }

  it('delivers to a loopback sink when insecure sinks are allowed and returns a standard Response', async () => {
    const sink = await listen(() => [202, { 'x-sink': 'yes' }, 'accepted']);
    const res = await safeFetch(
      `http://localhost:${sink.port}/hook`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
      policy({ allowInsecure: true }),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('x-sink')).toBe('yes');
    expect(await res.text()).toBe('accepted');
    expect(sink.requests).toEqual([{ method: 'POST', url: '/hook', body: '{"a":1}' }]);
  });

  it('refuses a redirect instead of following it, so the redirect target is never contacted', async () => {
    const internal = await listen(() => [200, {}, 'internal secret']);
    const redirector = await listen(() => [
      302,
      { location: `http://127.0.0.1:${internal.port}/admin` },
      '',
    ]);
    await expect(
      safeFetch(
        `http://127.0.0.1:${redirector.port}/hook`,
        { body: '{}' },
        policy({ allowInsecure: true }),
      ),
    ).rejects.toThrow(/redirect/);
    expect(redirector.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
  });

  it('with insecure sinks off, never connects to a loopback redirector at all', async () => {
    const redirector = await listen(() => [
      302,
      { location: 'https://contoso.webhook.office.com/' },
      '',
    ]);
    await expect(
      safeFetch(`http://127.0.0.1:${redirector.port}/hook`, { body: '{}' }, policy()),
    ).rejects.toBeInstanceOf(UnsafeWebhookError);
    expect(redirector.requests).toHaveLength(0);
  });

  it('re-validates at send time: a name that now resolves to a private address is refused (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: Resolver = () => Promise.resolve(calls++ === 0 ? PUBLIC : ['127.0.0.1']);
    const p = policy({ resolve: rebinding });
    await expect(
      assertSafeWebhookUrl('https://contoso.webhook.office.com/x', p),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      safeFetch('https://contoso.webhook.office.com/x', { body: '{}' }, p),
    ).rejects.toBeInstanceOf(UnsafeWebhookError);
  });

  it('times out a sink that never answers, without naming the URL', async () => {
    const server = createServer(() => {
      /* never answers */
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const err = await safeFetch(
      `http://127.0.0.1:${port}/hook?sig=TOPSECRET`,
      { body: '{}', timeoutMs: 200 },
      policy({ allowInsecure: true }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/timed out/);
    expect((err as Error).message).not.toContain('TOPSECRET');
    server.closeAllConnections();
  });

  it('refuses oversized responses', async () => {
    const sink = await listen(() => [200, {}, 'x'.repeat(5000)]);
    await expect(
      safeFetch(
        `http://127.0.0.1:${sink.port}/`,
        { maxResponseBytes: 1000 },
        policy({ allowInsecure: true }),
      ),
    ).rejects.toThrow(/exceeded/);
  });
});
