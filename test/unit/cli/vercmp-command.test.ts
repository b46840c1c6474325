import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { batchLine, runBatch, vercmp, vercmpCommand } from '../../../src/cli/commands/vercmp.js';

/** The librpm-answered vectors: `left<TAB>right<TAB>expected`, header first. */
const VECTOR_ROWS = readFileSync(
  new URL('../../fixtures/rpm-vercmp/vectors.tsv', import.meta.url),
  'utf8',
)
  .split('\n')
  .slice(1)
  .filter((l) => l !== '')
  .map((l) => l.split('\t') as [string, string, string]);

function firstRowExpecting(expected: string): [string, string] {
  const row = VECTOR_ROWS.find((r) => r[2] === expected);
  if (!row) throw new Error(`no vector expects ${expected}`);
  return [row[0], row[1]];
}

/** Collects everything written, in the chunks it was written in. */
class Sink extends Writable {
  chunks: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

describe('vercmp A B', () => {
  it.each([
    ['-1', '<', 12],
    ['0', '==', 0],
    ['1', '>', 11],
  ] as const)('a vector expecting %s prints %s and exits %d', (expected, op, code) => {
    const [a, b] = firstRowExpecting(expected);
    expect(vercmp(a, b)).toEqual({
      order: Number(expected),
      line: `${a} ${op} ${b}`,
      exitCode: code,
    });
  });

  it('keeps the original strings in its output', () => {
    expect(vercmp('00.0.11-1', '0.0.11-1').line).toBe('00.0.11-1 == 0.0.11-1');
  });

  it('rejects garbage with an InputError', () => {
    expect(() => vercmp('x:1', '1')).toThrow(InputError);
  });
});

describe('batchLine', () => {
  it('prints the order', () => {
    expect(batchLine('1.0~rc1\t1.0', 1)).toBe('-1');
    expect(batchLine('1.0\t1.0\r', 1)).toBe('0');
  });

  it.each([['only-one-field'], [''], ['a\tb\tc'], ['1.0\t']])('names the line of %j', (text) => {
    const err = (() => {
      try {
        batchLine(text, 7);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(7);
    expect((err as InputError).message).toMatch(/^line 7: /);
  });
});

describe('runBatch', () => {
  it('answers all 5,000 vectors like librpm, in chunks rather than a write per line', async () => {
    const input = new PassThrough();
    const output = new Sink();
    const done = runBatch(input, output);
    input.end(VECTOR_ROWS.map((r) => `${r[0]}\t${r[1]}`).join('\n') + '\n');
    await done;
    const answers = output.text.split('\n').slice(0, -1);
    expect(answers).toEqual(VECTOR_ROWS.map((r) => r[2]));
    expect(output.chunks.length).toBeLessThan(VECTOR_ROWS.length / 10);
  });

  it('answers lines as they arrive, before the input ends', async () => {
    const input = new PassThrough();
    const output = new Sink();
    const done = runBatch(input, output);
    input.write('1.0\t2.0\n');
    await new Promise((r) => setImmediate(r));
    expect(output.text).toBe('-1\n');
    input.end('2.0\t1.0');
    await done;
    expect(output.text).toBe('-1\n1\n');
  });

  it('stops at a malformed line after writing the answers before it', async () => {
    const input = new PassThrough();
    const output = new Sink();
    const done = runBatch(input, output);
    input.end('1.0\t2.0\n1.0\t1.0\nnot a pair\n2.0\t1.0\n');
    await expect(done).rejects.toThrow(/^line 3: expected left<TAB>right/);
    expect(output.text).toBe('-1\n0\n');
  });
});

describe('vercmpCommand', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  async function run(args: string[], stdin = ''): Promise<{ out: string; code: unknown }> {
    const input = new PassThrough();
    input.end(stdin);
    const output = new Sink();
    const cmd = vercmpCommand({ stdin: input, stdout: output });
    await cmd.parseAsync(args, { from: 'user' });
    return { out: output.text, code: process.exitCode };
  }

  it('prints the comparison and sets the rpmdev-vercmp exit code', async () => {
    expect(await run(['9.8p1-5.azl3', '9.8p1-10.azl3'])).toEqual({
      out: '9.8p1-5.azl3 < 9.8p1-10.azl3\n',
      code: 12,
    });
  });

  it('runs --batch on stdin', async () => {
    expect((await run(['--batch'], '1:1.0-1\t2.0-1\n')).out).toBe('1\n');
  });

  it('needs two versions unless --batch', async () => {
    await expect(run(['1.0'])).rejects.toThrow(InputError);
  });

  it('has help text with examples and the exit codes', () => {
    let help = '';
    vercmpCommand()
      .configureOutput({ writeOut: (s) => (help += s) })
      .outputHelp();
    expect(help).toContain('--batch');
    expect(help).toContain('Examples:');
    expect(help).toContain('11 when A > B, 12 when A < B');
  });
});
