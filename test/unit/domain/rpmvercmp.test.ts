import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { compareEvr, formatEvr, parseEvr, rpmvercmp } from '../../../src/domain/rpmvercmp.js';

interface Vector {
  line: number;
  left: string;
  right: string;
  expected: number;
}

/** The 5,000 comparisons answered by librpm 4.18 itself (see test/fixtures/README.md). */
function loadVectors(): Vector[] {
  const text = readFileSync(
    new URL('../../fixtures/rpm-vercmp/vectors.tsv', import.meta.url),
    'utf8',
  );
  const lines = text.split('\n');
  const vectors: Vector[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const [left, right, expected] = line.split('\t');
    if (left === undefined || right === undefined || expected === undefined) {
      throw new Error(`vectors.tsv line ${i + 1} is malformed`);
    }
    vectors.push({ line: i + 1, left, right, expected: Number(expected) });
  }
  return vectors;
}

describe('librpm vectors', () => {
  const vectors = loadVectors();

  it('has all 5,000 rows', () => {
    expect(vectors).toHaveLength(5000);
  });

  it('agrees with librpm on every row', () => {
    const disagreements: string[] = [];
    for (const v of vectors) {
      const got = compareEvr(parseEvr(v.left), parseEvr(v.right));
      if (got !== v.expected) {
        disagreements.push(
          `line ${v.line}: ${v.left} vs ${v.right}: want ${v.expected}, got ${got}`,
        );
      }
    }
    expect(
      disagreements.length,
      `${disagreements.length} disagreements; first: \n${disagreements.slice(0, 10).join('\n')}`,
    ).toBe(0);
  });
});

describe('rpmvercmp', () => {
  // Cases from rpm's own test suite (tests/rpmvercmp.at), which documents the intended order.
  it.each([
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0.1', '2.0', 1],
    ['5.5p1', '5.5p10', -1],
    ['10xyz', '10.1xyz', -1],
    ['xyz10', 'xyz10.1', -1],
    ['1.0aa', '1.0a', 1],
    ['1b.fc17', '1.fc17', -1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~rc1~git123', '1.0~rc1', -1],
    ['1.0^', '1.0', 1],
    ['1.0^git1', '1.0', 1],
    ['1.0^git1', '1.01', -1],
    ['1.0^20160101', '1.0.1', -1],
    ['1.0~rc1^git1', '1.0~rc1', 1],
    ['1.0^git1~pre', '1.0^git1', -1],
    ['0001', '1', 0],
    ['1.0', '1_0', 0],
    ['a', '1', -1],
    ['9.8p1', '10.0p1', -1],
  ] as const)('%s vs %s is %d', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
    expect(rpmvercmp(b, a)).toBe(-want || 0);
  });
});

const evrChar = fc.constantFrom(...'0123456789azAZ.~^_+'.split(''));
const versionText = fc.string({ unit: evrChar, minLength: 1, maxLength: 12 });

describe('properties', () => {
  it('rpmvercmp is antisymmetric', () => {
    fc.assert(
      fc.property(versionText, versionText, (a, b) => {
        expect(rpmvercmp(a, b)).toBe(-rpmvercmp(b, a) || 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('compareEvr is antisymmetric', () => {
    const evr = fc.record({
      epoch: fc.integer({ min: 0, max: 3 }),
      version: versionText,
      release: fc.oneof(fc.constant(''), versionText),
    });
    fc.assert(
      fc.property(evr, evr, (a, b) => {
        expect(compareEvr(a, b)).toBe(-compareEvr(b, a) || 0);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('parseEvr and formatEvr', () => {
  it('reads epoch, version and the release after the last dash', () => {
    expect(parseEvr('1:9.8p1-5.azl3')).toEqual({ epoch: 1, version: '9.8p1', release: '5.azl3' });
    expect(parseEvr('2.38-19.azl3')).toEqual({ epoch: 0, version: '2.38', release: '19.azl3' });
    expect(parseEvr('6.6.130.1')).toEqual({ epoch: 0, version: '6.6.130.1', release: '' });
    expect(parseEvr('a-b-c')).toEqual({ epoch: 0, version: 'a-b', release: 'c' });
  });

  it('prints the epoch only when it is not 0', () => {
    expect(formatEvr({ epoch: 0, version: '3.3.5', release: '5.azl3' })).toBe('3.3.5-5.azl3');
    expect(formatEvr({ epoch: 1, version: '4.5.2', release: '1' })).toBe('1:4.5.2-1');
    expect(formatEvr({ epoch: 0, version: '1.0', release: '' })).toBe('1.0');
  });

  it.each(['', 'x:1.0-1', ':1.0-1', '1:-1', '-1', '1.0-', '1.0 -1', '1:2:3-4', '99999999999:1-1'])(
    'rejects %j with an InputError',
    (s) => {
      expect(() => parseEvr(s)).toThrow(InputError);
    },
  );

  it('round-trips through formatEvr', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        versionText,
        fc.oneof(fc.constant(''), versionText),
        (epoch, version, release) => {
          const e = { epoch, version, release };
          expect(parseEvr(formatEvr(e))).toEqual(e);
        },
      ),
    );
  });
});
