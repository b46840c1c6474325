/**
 * bin/azl-notifier.cjs keeps V8's compiled code of the CLI between runs: it writes the cache
 * once, reads it after, replaces one V8 refuses, uses no directory another user could write
 * to, and a run never fails for the cache's sake.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const version = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const uid = process.getuid?.() ?? 'user';

/** A fresh system temporary directory for the CLI, and where its cache would be. */
function freshTemp() {
  const temp = mkdtempSync(join(tmpdir(), 'azl-v8-'));
  return { temp, dir: join(temp, `azl-notifier-v8-${uid}`) };
}

const versionRun = (temp: string) => runCli(['--version'], { env: { TMPDIR: temp } });

describe('the compile cache', () => {
  it('is written by the first run, private, and read unchanged by the next', async () => {
    const { temp, dir } = freshTemp();
    const first = await versionRun(temp);
    expect(first.stdout.trim()).toBe(version);
    const [file, ...others] = readdirSync(dir);
    expect(others).toEqual([]);
    expect(file).toMatch(/^v\d+\.\d+\.\d+-\w+-\d+-\d+\.bin$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const cache = join(dir, file!);
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(statSync(cache).size).toBeGreaterThan(10_000);
    const before = readFileSync(cache);
    const { mtimeMs } = statSync(cache);

    const second = await versionRun(temp);
    expect(second.stdout.trim()).toBe(version);
    // Accepted: a refused cache would have been written again.
    expect(statSync(cache).mtimeMs).toBe(mtimeMs);
    expect(readFileSync(cache).equals(before)).toBe(true);
  });

  it('replaces a cache V8 refuses, and the run answers as usual', async () => {
    const { temp, dir } = freshTemp();
    await versionRun(temp);
    const [file] = readdirSync(dir);
    const cache = join(dir, file!);
    writeFileSync(cache, 'not a V8 code cache');
    const run = await versionRun(temp);
    expect(run.stdout.trim()).toBe(version);
    expect(run.stderr).toBe('');
    expect(readFileSync(cache, 'utf8')).not.toBe('not a V8 code cache');
    expect(statSync(cache).size).toBeGreaterThan(10_000);
  });

  it('is not used in a directory others can write to', async () => {
    const { temp, dir } = freshTemp();
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const run = await versionRun(temp);
    expect(run.stdout.trim()).toBe(version);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('costs a run nothing when the temporary directory cannot be written', async () => {
    const { temp } = freshTemp();
    const notADirectory = join(temp, 'file');
    writeFileSync(notADirectory, '');
    const run = await versionRun(notADirectory);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
    expect(run.stderr).toBe('');
  });
});
