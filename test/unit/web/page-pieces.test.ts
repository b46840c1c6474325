import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MatchResult } from '../../../src/domain/types.js';
import { setCookie } from '../../../src/local/http-host.js';
import { maskAddress, redactAddresses } from '../../../src/security/redact.js';
import { escapeHtml } from '../../../src/security/escape-html.js';
import { signLink, verifyLink } from '../../../src/security/tokens.js';
import { matchCsv } from '../../../src/web/release-page.js';

const KEY = 'test-signing-key-0123456789abcdef';
const NOW = new Date('2026-05-01T12:00:00Z');

describe('manage links and page sessions', () => {
  it('are signed over their claims with the generation, and cannot stand in for each other', () => {
    const claims = { subscriptionId: 'sub-1', channelId: 'teams-1', gen: 'g1', dest: 'd1' };
    const manage = signLink({ purpose: 'manage', ...claims }, KEY, NOW);
    const [payload, signature] = manage.split('.');
    // The MAC is HMAC-SHA256 of the payload, computed here independently of the code.
    expect(signature).toBe(createHmac('sha256', KEY).update(payload!).digest('base64url'));
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'))).toEqual({
      purpose: 'manage',
      ...claims,
      exp: NOW.getTime() / 1000 + 30 * 24 * 3600,
    });
    expect(verifyLink(manage, 'manage', KEY, NOW)).toMatchObject({ gen: 'g1' });
    expect(() => verifyLink(manage, 'session', KEY, NOW)).toThrow();
    expect(() => verifyLink(manage, 'unsubscribe', KEY, NOW)).toThrow();
    const session = signLink({ purpose: 'session', ...claims }, KEY, NOW);
    expect(() => verifyLink(session, 'manage', KEY, NOW)).toThrow();
    // A session lasts a working day.
    expect(() =>
      verifyLink(session, 'session', KEY, new Date(NOW.getTime() + 13 * 3600_000)),
    ).toThrow(/expired/);
  });
});

describe('Set-Cookie from the Functions Cookie', () => {
  it('writes every attribute the session cookie needs', () => {
    expect(
      setCookie({
        name: 'azl_session',
        value: 'v.s',
        path: '/s/abc',
        maxAge: 43200,
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
      }),
    ).toBe('azl_session=v.s; Path=/s/abc; Max-Age=43200; Secure; HttpOnly; SameSite=Strict');
  });
});

describe('addresses in logs', () => {
  it('keep the first letter and the domain only', () => {
    expect(maskAddress('oncall@example.com')).toBe('o…@example.com');
    expect(redactAddresses('550 5.1.1 <oncall@example.com>: Recipient address rejected')).toBe(
      '550 5.1.1 <o…@example.com>: Recipient address rejected',
    );
    expect(redactAddresses('connect ECONNREFUSED 127.0.0.1:25')).toBe(
      'connect ECONNREFUSED 127.0.0.1:25',
    );
  });
});

describe('the one HTML escaper', () => {
  it('escapes what could end a text node or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('the release CSV', () => {
  const update = (name: string) => ({
    package: name,
    installed: '1.0-1.azl3',
    fixed: '1.0-2.azl3',
    sourcePackage: name,
    severity: 'high' as const,
    cves: [{ id: 'CVE-2026-0001', severity: 'high' as const, severitySource: null, sources: [] }],
  });
  it('is RFC 4180 with a header, and defuses cells a spreadsheet would run as a formula', () => {
    const csv = matchCsv({
      affected: [update('=HYPERLINK("http://x")'), update('openssl')],
      behind: [update('curl,libs')],
      replaced: [
        {
          ...update('containerd'),
          fixed: '2.1.6-1.azl3',
          replacedBy: {
            package: 'containerd2',
            version: '2.1.6-1.azl3',
            sourcePackage: 'containerd2',
            obsoletes: 'containerd < 2.1.6-1.azl3',
          },
        },
      ],
      noLongerShipped: [{ ...update('fwctl'), removedIn: '3.0.20260107-3.0', reason: 'gone' }],
    } as unknown as MatchResult);
    expect(csv.split('\r\n')).toEqual([
      'list,package,installed,fixed,source_package,severity,cves',
      `affected,"'=HYPERLINK(""http://x"")",1.0-1.azl3,1.0-2.azl3,"'=HYPERLINK(""http://x"")",high,CVE-2026-0001`,
      'affected,openssl,1.0-1.azl3,1.0-2.azl3,openssl,high,CVE-2026-0001',
      'behind,"curl,libs",1.0-1.azl3,1.0-2.azl3,"curl,libs",high,CVE-2026-0001',
      'replaced,containerd,1.0-1.azl3,containerd2 2.1.6-1.azl3,containerd,high,CVE-2026-0001',
      'noLongerShipped,fwctl,1.0-1.azl3,,fwctl,high,CVE-2026-0001',
      '',
    ]);
  });
});
