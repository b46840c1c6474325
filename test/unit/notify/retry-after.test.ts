import { expect, test } from 'vitest';
import { parseRetryAfter } from '../../../src/notify/retry-after.js';

const now = Date.parse('2026-04-29T02:00:00Z');

test('Retry-After in seconds', () => {
  expect(parseRetryAfter('3', now)).toBe(3000);
  expect(parseRetryAfter(' 0 ', now)).toBe(0);
});

test('Retry-After as an HTTP date (RFC 9110 IMF-fixdate)', () => {
  expect(parseRetryAfter('Wed, 29 Apr 2026 02:00:07 GMT', now)).toBe(7000);
  expect(parseRetryAfter('Wed, 29 Apr 2026 01:59:00 GMT', now)).toBe(0);
});

test('absent or unreadable Retry-After', () => {
  expect(parseRetryAfter(null, now)).toBeUndefined();
  expect(parseRetryAfter('soon', now)).toBeUndefined();
  expect(parseRetryAfter('-5', now)).toBeUndefined();
});
