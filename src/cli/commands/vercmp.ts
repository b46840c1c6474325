/**
 * `azl-notifier vercmp A B` and `azl-notifier vercmp --batch`: librpm's version order from the
 * command line, with rpmdev-vercmp's exit codes so existing scripts can switch over.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { InputError } from '../../errors.js';
import { compareEvr, parseEvr, type Order } from '../../domain/rpmvercmp.js';
import {
  checkOutputPath,
  outputStream,
  withOutputOptions,
  type OutputOptions,
} from '../output/destination.js';

/** rpmdev-vercmp's exit statuses. */
export const VERCMP_EXIT = { equal: 0, greater: 11, less: 12 } as const;

export interface VercmpResult {
  order: Order;
  /** `A < B`, `A == B` or `A > B`, with the strings exactly as given. */
  line: string;
  exitCode: number;
}

export function vercmp(a: string, b: string): VercmpResult {
  const order = compareEvr(parseEvr(a), parseEvr(b));
  if (order < 0) return { order, line: `${a} < ${b}`, exitCode: VERCMP_EXIT.less };
  if (order > 0) return { order, line: `${a} > ${b}`, exitCode: VERCMP_EXIT.greater };
  return { order, line: `${a} == ${b}`, exitCode: VERCMP_EXIT.equal };
}

/** One `left<TAB>right` batch line to `-1`, `0` or `1`; errors carry the 1-based line number. */
export function batchLine(text: string, lineNumber: number): string {
  const fields = text.endsWith('\r') ? text.slice(0, -1).split('\t') : text.split('\t');
  if (fields.length !== 2) {
    throw new InputError(`expected left<TAB>right, got ${fields.length} field(s)`, {
      line: lineNumber,
    });
  }
  try {
    return String(compareEvr(parseEvr(fields[0]!), parseEvr(fields[1]!)));
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.message, { line: lineNumber });
    throw err;
  }
}

/**
 * Streams `input` to `output` line by line, holding at most one input chunk of either. The
 * answers to a chunk's lines go out in one write (a write per line would dominate the cost of
 * large batches), and a slow reader pauses the input. Stops at the first malformed line,
 * after writing the answers before it.
 */
export function runBatch(input: Readable, output: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input, crlfDelay: Infinity });
    let pending = '';
    let lineNumber = 0;
    let failed = false;

    const flush = (): void => {
      if (pending === '') return;
      const ok = output.write(pending);
      pending = '';
      if (!ok) {
        input.pause();
        output.once('drain', () => input.resume());
      }
    };
    const stop = (err: Error): void => {
      failed = true;
      flush();
      input.off('data', flush);
      lines.close();
      reject(err);
    };

    lines.on('line', (text) => {
      if (failed) return;
      lineNumber++;
      try {
        pending += `${batchLine(text, lineNumber)}\n`;
      } catch (err) {
        stop(err instanceof Error ? err : new Error(String(err)));
      }
    });
    // readline emits a chunk's complete lines synchronously from its own 'data' listener;
    // this one, registered after it, then writes their answers together.
    input.on('data', flush);
    input.once('error', stop);
    lines.once('close', () => {
      if (failed) return;
      input.off('data', flush);
      flush();
      resolve();
    });
  });
}

const HELP_AFTER = `
Compares RPM versions exactly as librpm does: epoch first, then version, then release;
'~' sorts before everything (1.0~rc1 < 1.0), '^' after the base version (1.0 < 1.0^git1 < 1.0.1).

Examples:
  $ azl-notifier vercmp 9.8p1-5.azl3 9.8p1-10.azl3
  9.8p1-5.azl3 < 9.8p1-10.azl3
  $ azl-notifier vercmp 1:1.0-1.azl3 2.0-1.azl3
  1:1.0-1.azl3 > 2.0-1.azl3
  $ printf '1.0~rc1\\t1.0\\n3.0-41.azl3\\t3.0-41.azl3\\n' | azl-notifier vercmp --batch
  -1
  0

Exit status (as rpmdev-vercmp): 0 when A == B, 11 when A > B, 12 when A < B.
With --batch: 0 when every line compared, 2 at the first malformed line (named on stderr).`;

/**
 * The `vercmp` subcommand. Its action is async (--batch reads a stream), so the program must
 * run with parseAsync; AppErrors are left to the caller to print and turn into an exit code.
 */
export function vercmpCommand(
  io: { stdin: Readable; stdout?: Writable } = { stdin: process.stdin },
): Command {
  return withOutputOptions(new Command('vercmp'))
    .description('compare two RPM [epoch:]version[-release] strings, or many with --batch')
    .argument('[A]', 'first version, e.g. 1:9.8p1-5.azl3')
    .argument('[B]', 'second version')
    .option('--batch', 'read left<TAB>right lines on stdin and print -1, 0 or 1 per line')
    .addHelpText('after', HELP_AFTER)
    .action(
      async (
        a: string | undefined,
        b: string | undefined,
        opts: { batch?: boolean } & OutputOptions,
      ) => {
        if (opts.batch && a !== undefined) {
          throw new InputError('vercmp --batch takes no version arguments');
        }
        if (!opts.batch && (a === undefined || b === undefined)) {
          throw new InputError('vercmp needs two versions (or --batch); see --help');
        }
        await checkOutputPath(opts);
        const out = io.stdout ?? outputStream(opts);
        if (opts.batch) {
          await runBatch(io.stdin, out);
        } else {
          const result = vercmp(a!, b!);
          out.write(`${result.line}\n`);
          process.exitCode = result.exitCode;
        }
        // A file (or the sink of --quiet) is ours to close; stdout is not.
        if (io.stdout === undefined && out !== process.stdout) {
          await new Promise((done) => out.end(done));
        }
      },
    );
}
