import { expect, test } from 'vitest';
import { isDigestDue } from '../../../../src/notify/email/schedule.js';

const at = (iso: string) => new Date(iso);

test('instant subscribers never get a digest', () => {
  expect(isDigestDue(at('2026-04-29T09:00:00Z'), 'instant', 9, null)).toBe(false);
});

test('daily: due once the hour has passed and nothing went out since', () => {
  // 2026-04-29 is a Wednesday.
  expect(isDigestDue(at('2026-04-29T09:05:00Z'), 'daily', 9, at('2026-04-28T09:05:00Z'))).toBe(
    true,
  );
  expect(isDigestDue(at('2026-04-29T09:35:00Z'), 'daily', 9, at('2026-04-29T09:05:00Z'))).toBe(
    false,
  );
  // Before today's hour, yesterday's slot counts: already sent then, so not due.
  expect(isDigestDue(at('2026-04-29T08:59:00Z'), 'daily', 9, at('2026-04-28T09:01:00Z'))).toBe(
    false,
  );
  // A missed run (timer down all morning) still sends later the same day.
  expect(isDigestDue(at('2026-04-29T15:00:00Z'), 'daily', 9, at('2026-04-28T09:01:00Z'))).toBe(
    true,
  );
  expect(isDigestDue(at('2026-04-29T00:30:00Z'), 'daily', 0, null)).toBe(true);
});

test('weekly: due on the chosen weekday and hour, once', () => {
  const monday = 1;
  // Last slot before Wed 29 Apr 2026 is Mon 27 Apr 07:00.
  expect(
    isDigestDue(at('2026-04-29T12:00:00Z'), 'weekly', 7, at('2026-04-27T07:10:00Z'), monday),
  ).toBe(false);
  expect(
    isDigestDue(at('2026-04-29T12:00:00Z'), 'weekly', 7, at('2026-04-20T07:10:00Z'), monday),
  ).toBe(true);
  // Monday 06:59 is before that Monday's slot: the previous Monday's still governs.
  expect(
    isDigestDue(at('2026-05-04T06:59:00Z'), 'weekly', 7, at('2026-04-27T07:10:00Z'), monday),
  ).toBe(false);
  expect(
    isDigestDue(at('2026-05-04T07:00:00Z'), 'weekly', 7, at('2026-04-27T07:10:00Z'), monday),
  ).toBe(true);
  // Sunday (0) at 23:00 UTC.
  expect(isDigestDue(at('2026-05-03T23:00:00Z'), 'weekly', 23, at('2026-04-26T23:00:01Z'), 0)).toBe(
    true,
  );
  expect(isDigestDue(at('2026-05-03T22:59:00Z'), 'weekly', 23, at('2026-04-26T23:00:01Z'), 0)).toBe(
    false,
  );
});

test('bad hours and weekdays are refused', () => {
  expect(() => isDigestDue(at('2026-04-29T00:00:00Z'), 'daily', 24, null)).toThrow(/0-23/);
  expect(() => isDigestDue(at('2026-04-29T00:00:00Z'), 'weekly', 1, null, 7)).toThrow(/0-6/);
});
