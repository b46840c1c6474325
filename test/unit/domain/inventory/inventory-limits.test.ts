import { describe, expect, it, vi } from 'vitest';
import { InputError, TooLargeError } from '../../../../src/errors.js';
import {
  assertWithinSubscriptionBudget,
  MAX_INVENTORY_BYTES,
  parseInventory,
} from '../../../../src/domain/inventory/index.js';
import { jsonDepthExceededAt } from '../../../../src/domain/inventory/json-syntax.js';

/** Throws what `fn` throws, for assertions on the error itself. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

describe('blank lines and comments', () => {
  it('count toward the byte limit', () => {
    const blanks = '\n'.repeat(MAX_INVENTORY_BYTES) + 'openssl-3.3.5-1.azl3.x86_64\n';
    expect(thrown(() => parseInventory(blanks))).toBeInstanceOf(TooLargeError);
    const comments = '#'.repeat(MAX_INVENTORY_BYTES) + '\nopenssl-3.3.5-1.azl3.x86_64\n';
    expect(thrown(() => parseInventory(comments))).toBeInstanceOf(TooLargeError);
  });

  it('keep every line number right around them, LF and CRLF alike', () => {
    for (const eol of ['\n', '\r\n']) {
      const text = [
        '',
        '',
        '# a comment',
        'openssl-3.3.5-1.azl3.x86_64',
        '',
        '  # indented',
        'bad',
      ].join(eol);
      expect(thrown(() => parseInventory(text)).message).toMatch(/^line 7: /);
      const ok = parseInventory(['', '# c', 'openssl-3.3.5-1.azl3.x86_64', ''].join(eol));
      expect(ok.packages.map((p) => p.line)).toEqual([3]);
    }
  });

  it('a 10 MB file of blank lines around one package is that one package', () => {
    const text = '\n'.repeat(MAX_INVENTORY_BYTES - 40) + 'openssl-3.3.5-1.azl3.x86_64\n';
    const { packages } = parseInventory(text);
    expect(packages).toHaveLength(1);
    expect(packages[0]!.line).toBe(MAX_INVENTORY_BYTES - 39);
  });
});

describe('JSON depth', () => {
  it('names where a document nests past the limit, before parsing it', () => {
    expect(jsonDepthExceededAt('[[[]]]', 3)).toBeUndefined();
    expect(jsonDepthExceededAt('[[[[]]]]', 3)).toBe(3);
    expect(jsonDepthExceededAt('{"a":{"b":[{}]}}', 3)).toBe(11);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceededAt('["[[[[", "\\"[[[[", "\\\\"]', 2)).toBeUndefined();
    expect(jsonDepthExceededAt('["\\\\", [[]]]', 2)).toBe(8);
  });

  it('refuses a 10 MB nested inventory with its line, without building it', () => {
    const deep =
      '{"bomFormat":"CycloneDX",\n"x":' + '['.repeat(5_000_000) + ']'.repeat(5_000_000) + '}';
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const err = thrown(() => parseInventory(deep));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toBe('line 2: JSON nests deeper than 64 levels');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });
});

describe('the subscription budget', () => {
  it('refuses past 20 MB or 50,000 packages in all, naming the numbers', () => {
    const mb = 1024 * 1024;
    expect(() =>
      assertWithinSubscriptionBudget(
        { bytes: 10 * mb, packages: 1 },
        { bytes: 10 * mb, packages: 1 },
      ),
    ).not.toThrow();
    const over = thrown(() =>
      assertWithinSubscriptionBudget(
        { bytes: 20 * mb, packages: 2 },
        { bytes: 10 * mb, packages: 1 },
      ),
    );
    expect(over).toBeInstanceOf(TooLargeError);
    expect(over.message).toBe(
      "the subscription's inventories would hold 30 MB and 3 packages (this upload 10 MB and 1 package, the others 20 MB and 2 packages); a subscription holds at most 20 MB and 50,000 packages in all its inventories",
    );
    expect(
      thrown(() =>
        assertWithinSubscriptionBudget(
          { bytes: 12_000, packages: 49_999 },
          { bytes: 300, packages: 2 },
        ),
      ).message,
    ).toContain('would hold 0.012 MB and 50,001 packages');
  });
});
