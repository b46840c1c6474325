/**
 * Where a command's result goes: stdout, or the file `--output` names (what CI tools read:
 * a SARIF file for code scanning, a Markdown job summary). `--quiet` leaves stdout empty, so
 * only the exit code and errors remain; a file asked for with `--output` is still written.
 */
import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { fileErrorReason } from '../file-errors.js';

export interface OutputOptions {
  output?: string | undefined;
  quiet?: boolean | undefined;
}

export function withOutputOptions(command: Command): Command {
  return command
    .option('-o, --output <file>', 'write the result to this file instead of stdout')
    .option('-q, --quiet', 'print nothing but errors (the exit code tells the result)');
}

/**
 * Fails early, before any GitHub request, when the result could not be written: a missing
 * directory or a path that is a directory.
 */
export async function checkOutputPath(options: OutputOptions): Promise<void> {
  const file = options.output;
  if (file === undefined || file === '-') return;
  const dir = dirname(resolve(file));
  const info = await stat(dir).catch((error: unknown) => {
    throw new InputError(`cannot write --output ${file}: ${fileErrorReason(error)} (${dir})`);
  });
  if (!info.isDirectory()) {
    throw new InputError(`cannot write --output ${file}: ${dir} is not a directory`);
  }
  const target = await stat(file).catch(() => undefined);
  if (target?.isDirectory())
    throw new InputError(`cannot write --output ${file}: it is a directory`);
}

/** Writes a whole result. */
export async function emit(options: OutputOptions, text: string): Promise<void> {
  const file = options.output;
  if (file !== undefined && file !== '-') {
    await writeFile(file, text).catch((error: unknown) => {
      throw new InputError(`cannot write --output ${file}: ${fileErrorReason(error)}`);
    });
    return;
  }
  if (!options.quiet) process.stdout.write(text);
}

/** A stream for results written line by line (vercmp --batch). */
export function outputStream(options: OutputOptions): Writable {
  const file = options.output;
  if (file !== undefined && file !== '-') return createWriteStream(file);
  if (options.quiet) return new Writable({ write: (_chunk, _encoding, done) => done() });
  return process.stdout;
}

/** Whether stdout is what the user reads: a terminal, not a file or a pipe. */
export function writesToTerminal(options: OutputOptions): boolean {
  return (options.output === undefined || options.output === '-') && process.stdout.isTTY === true;
}
