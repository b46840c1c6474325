import { describe, expect, it } from 'vitest';
import { maskAddress, redactSecrets } from '../../../src/security/redact.js';
import { sanitizeBody } from '../../../src/notify/delivery.js';

describe('the one redaction rule', () => {
  it('masks every address the same way', () => {
    expect(maskAddress('reject1@example.com')).toBe('r…@example.com');
    expect(redactSecrets('550 mailbox <reject1@example.com> unknown; cc b.c@x.example.org')).toBe(
      '550 mailbox <r…@example.com> unknown; cc b…@x.example.org',
    );
  });

  it('cuts URLs to scheme and host, and drops signatures, bearer credentials and tokens', () => {
    expect(
      redactSecrets(
        'https://u:p@prod.logic.azure.com:443/workflows/1?sig=S3CR3T then sig=ABC&code=DEF, Bearer abc.def and azln_abcDEF123_-',
      ),
    ).toBe(
      'https://prod.logic.azure.com/…(redacted) then sig=…(redacted)&code=…(redacted), Bearer …(redacted) and azln_…(redacted)',
    );
  });

  it('is idempotent: a line redacted twice reads the same', () => {
    const once = redactSecrets('to a@b.example via https://h.example/p?sig=1 with Bearer t');
    expect(redactSecrets(once)).toBe(once);
  });

  it('error bodies: the rule, bare paths too, one line, at most 200 characters', () => {
    const body = `refused\n  /workflows/abc/triggers/manual?sig=Z for x@y.example\n${'z'.repeat(500)}`;
    const kept = sanitizeBody(body);
    expect(kept).toBe(`refused /…(redacted) for x…@y.example ${'z'.repeat(161)}…`);
    expect(kept).toHaveLength(200);
    expect(sanitizeBody('HTTP error 404')).toBe('HTTP error 404');
  });
});
