import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hashToken,
  InvalidLinkError,
  issueToken,
  signLink,
  verifyLink,
  verifyToken,
} from '../../../src/security/tokens.js';

const KEY = 'test-signing-key-0123456789abcdef';
const NOW = new Date('2026-05-01T12:00:00Z');

describe('bearer tokens', () => {
  it('are prefixed, 32 random bytes of base64url, and unique', () => {
    const a = issueToken();
    const b = issueToken();
    expect(a.token).toMatch(/^azln_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token.slice(5), 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
  });

  it('are stored only as a SHA-256 hash that does not contain the token', () => {
    const { token, hash } = issueToken();
    const expected = 'sha256:' + createHash('sha256').update(token).digest('hex');
    expect(hash).toBe(expected);
    expect(hash).not.toContain(token.slice(5));
    expect(hashToken(token)).toBe(hash);
  });

  it('verify only the matching token', () => {
    const { token, hash } = issueToken();
    const other = issueToken();
    expect(verifyToken(token, hash)).toBe(true);
    expect(verifyToken(other.token, hash)).toBe(false);
    expect(verifyToken(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), hash)).toBe(false);
    expect(verifyToken('', hash)).toBe(false);
    expect(verifyToken(hash, hash)).toBe(false);
    expect(verifyToken(token, '')).toBe(false);
    expect(verifyToken(token + 'x', hash)).toBe(false);
  });
});

describe('signed links', () => {
  const claims = {
    purpose: 'unsubscribe' as const,
    subscriptionId: 'sub-1',
    channelId: 'email-2',
    gen: 'g1',
    dest: 'd1',
  };

  it('round-trip their claims and expire after the purpose TTL', () => {
    const link = signLink(claims, KEY, NOW);
    const got = verifyLink(link, 'unsubscribe', KEY, NOW);
    expect(got).toMatchObject(claims);
    expect(got.exp).toBe(Math.floor(NOW.getTime() / 1000) + 365 * 24 * 3600);
    const confirm = verifyLink(
      signLink({ ...claims, purpose: 'confirm-email' }, KEY, NOW),
      'confirm-email',
      KEY,
      NOW,
    );
    expect(confirm.exp).toBe(Math.floor(NOW.getTime() / 1000) + 7 * 24 * 3600);
  });

  it('are an HMAC-SHA256 over the encoded claims, independently computable', () => {
    const exp = 1_800_000_000;
    const payload = Buffer.from(JSON.stringify({ ...claims, exp })).toString('base64url');
    const mac = createHmac('sha256', KEY).update(payload).digest('base64url');
    expect(signLink({ ...claims, exp }, KEY)).toBe(`${payload}.${mac}`);
  });

  it('refuse a link that names no token generation or channel fingerprint (an older message)', () => {
    const unbound = { purpose: claims.purpose, subscriptionId: 'sub-1', channelId: 'email-2' };
    const payload = Buffer.from(JSON.stringify({ ...unbound, exp: 1_800_000_000 })).toString(
      'base64url',
    );
    const mac = createHmac('sha256', KEY).update(payload).digest('base64url');
    expect(() => verifyLink(`${payload}.${mac}`, 'unsubscribe', KEY, NOW)).toThrow(/older message/);
  });

  it('reject an expired link', () => {
    const link = signLink({ ...claims, exp: Math.floor(NOW.getTime() / 1000) - 1 }, KEY);
    expect(() => verifyLink(link, 'unsubscribe', KEY, NOW)).toThrow(/expired/);
  });

  it('reject a link made for another purpose', () => {
    const link = signLink({ ...claims, purpose: 'unsubscribe' }, KEY, NOW);
    expect(() => verifyLink(link, 'confirm-email', KEY, NOW)).toThrow(/not meant/);
  });

  it('reject tampered claims, tampered signatures and other keys', () => {
    const link = signLink(claims, KEY, NOW);
    const [payload, mac] = link.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...claims, subscriptionId: 'sub-2', exp: 9_999_999_999 }),
    ).toString('base64url');
    const flip = (s: string, i: number) =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const bad of [
      `${forged}.${mac}`,
      `${payload}.${flip(mac, 0)}`,
      `${payload}.${flip(mac, mac.length - 1)}`,
      `${flip(payload, 3)}.${mac}`,
      `${payload}.${mac}x`,
      `${payload}`,
      `${payload}.${mac}.x`,
      '',
      '.',
    ]) {
      expect(() => verifyLink(bad, 'unsubscribe', KEY, NOW), bad).toThrow(InvalidLinkError);
    }
    expect(() =>
      verifyLink(link, 'unsubscribe', 'another-key-0123456789abcdefghijklmn', NOW),
    ).toThrow(/signature/);
  });

  it('refuse to sign or verify without a real key', () => {
    expect(() => signLink(claims, undefined)).toThrow(/SIGNING_KEY/);
    expect(() => signLink(claims, 'short')).toThrow(/SIGNING_KEY/);
    expect(() => verifyLink('a.b', 'unsubscribe', undefined)).toThrow(/SIGNING_KEY/);
  });
});
