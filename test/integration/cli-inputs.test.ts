/**
 * Input edges of the CLI (issue 13): each has its own one-line message and the exit code of
 * the README's table, and none reads more than it must. Real processes, real files.
 */
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { cliEnv, errorLine, runCli, tmpFile } from '../support/cli.js';
import { GEN2_CASE, answerKeyInventoryPath } from '../support/fixtures.js';

const gen2 = answerKeyInventoryPath(GEN2_CASE);
let github: FakeGitHub;
const env = (extra: Record<string, string> = {}) => cliEnv(github, extra);

beforeAll(async () => {
  github = await FakeGitHub.start();
});
afterAll(async () => {
  await github.close();
});

/** Runs a check that must fail before asking GitHub anything. */
async function refused(
  args: string[],
  extra: { env?: Record<string, string>; stdin?: Buffer } = {},
) {
  github.resetCounts();
  const run = await runCli(args, {
    env: { ...env(), ...extra.env },
    ...(extra.stdin ? { stdin: extra.stdin } : {}),
  });
  return { ...run, line: errorLine(run.stderr), requests: github.totalRequests };
}

describe('inventory files are looked at before they are read', () => {
  it('a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'azl-dir-'));
    const run = await refused(['check', '-i', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `azl-notifier: inventory ${dir} is a directory; give the file with the package list`,
    );
    expect(run.requests).toBe(0);
  });

  it('a missing file', async () => {
    const run = await refused(['check', '-i', '/nonexistent/node.txt']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'azl-notifier: cannot read inventory /nonexistent/node.txt: no such file or directory',
    );
  });

  it('a 700 MB file is refused by its size, without reading it', async () => {
    // Sparse: 700 MB on paper, no disk used; reading it whole would take seconds and 700 MB.
    const big = tmpFile('huge.txt', '');
    truncateSync(big, 700 * 1024 * 1024);
    const started = Date.now();
    const run = await refused(['check', '-i', big]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `azl-notifier: inventory ${big} is 700.0 MB, over the 10 MB limit`,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stdin over the limit stops at the limit', async () => {
    const run = await refused(['check', '-i', '-'], {
      stdin: Buffer.alloc(11 * 1024 * 1024, 'a'),
    });
    expect(run.code).toBe(2);
    expect(run.line).toBe('azl-notifier: the inventory on stdin is larger than 10 MB');
  });
});

describe('text that is not UTF-8, or not text, is refused as the API refuses it', () => {
  it('invalid UTF-8 (a Latin-1 export)', async () => {
    const latin1 = tmpFile(
      'latin1.txt',
      Buffer.from('bash-5.2.15-3.azl3.x86_64\ncaf\xe9-1.0-1.azl3.x86_64\n', 'latin1'),
    );
    const run = await refused(['check', '-i', latin1]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `azl-notifier: inventory ${latin1} is not valid UTF-8 text (a binary file, or another encoding?)`,
    );
  });

  it('binary garbage that happens to be UTF-8 is never echoed raw', async () => {
    // Escape sequences would recolour or clear the user's terminal if printed as they are.
    const garbage = '\u001b[2J\u001b[31mPWNED\u0007\u0000\u009b\n';
    const run = await refused(['check', '-i', '-'], { stdin: Buffer.from(garbage) });
    expect(run.code).toBe(2);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(run.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(run.line).toMatch(/^azl-notifier: the inventory on stdin: line 1: .*PWNED/);
  });
});

describe('exit codes follow the README table', () => {
  it('a repository that does not exist is a bad setting: exit 2', async () => {
    const run = await refused(['check', '-i', gen2], { env: { AZL_REPO: 'foo/bar' } });
    expect(run.code).toBe(2);
    expect(run.line).toBe(`azl-notifier: AZL_REPO=foo/bar: no such repository at ${github.url}`);
  });

  it("an app setting the CLI never reads does not fail it (a runner's PORT)", async () => {
    const run = await runCli(['check', '-i', gen2, '-f', 'json'], {
      env: env({ PORT: 'not-a-port', SHARD_SIZE: 'lots' }),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('a malformed repository setting: exit 2 before any request', async () => {
    const run = await refused(['check', '-i', gen2], { env: { AZL_REPO: 'foo' } });
    expect(run.code).toBe(2);
    expect(run.line).toMatch(
      /^azl-notifier: invalid settings: AZL_REPO must look like owner\/name/,
    );
    expect(run.requests).toBe(0);
  });

  it.each([
    ['check', '-i', gen2, '-l', 'banana'],
    ['release', '--line', 'banana'],
    ['releases', '-l', 'banana'],
  ])('a line that is not a line: %s … exit 2', async (...args) => {
    const run = await refused(args);
    expect(run.code).toBe(2);
    expect(run.line).toBe('azl-notifier: --line "banana" is not a release line (e.g. 3.0)');
    expect(run.requests).toBe(0);
  });

  it('a bad AZL_HTTP_TIMEOUT_SECONDS: exit 2', async () => {
    const run = await refused(['check', '-i', gen2], { env: { AZL_HTTP_TIMEOUT_SECONDS: 'soon' } });
    expect(run.code).toBe(2);
    expect(run.line).toMatch(/^azl-notifier: invalid settings: AZL_HTTP_TIMEOUT_SECONDS /);
  });

  it('render --output into a missing directory: exit 2, before any request', async () => {
    const run = await refused(['render', '-i', gen2, '-c', 'teams', '-o', '/missing/dir/x']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'azl-notifier: cannot write --output /missing/dir/x: no such file or directory (/missing/dir)',
    );
    expect(run.requests).toBe(0);
  });

  it('--ignore-file that does not exist: exit 2', async () => {
    const run = await refused(['check', '-i', gen2, '--ignore-file', '/nonexistent/ignore.yaml']);
    expect(run.code).toBe(2);
    expect(run.line).toBe(
      'azl-notifier: cannot read --ignore-file /nonexistent/ignore.yaml: no such file or directory',
    );
  });
});

describe('--help', () => {
  it.each([
    // check takes --inventory or --aks-node-image, so neither alone is required.
    ['check', null],
    ['render', /-c, --channel <channel>.*\(required\)/s],
  ])('%s marks its required options', async (command, pattern) => {
    const run = await runCli([command, '--help']);
    expect(run.code).toBe(0);
    if (pattern) expect(run.stdout).toMatch(pattern);
    // Only those: nothing optional is marked.
    expect(run.stdout.match(/\(required\)/g) ?? []).toHaveLength(command === 'render' ? 1 : 0);
  });

  it('names every setting the CLI reads', async () => {
    const run = await runCli(['--help']);
    for (const setting of [
      'GITHUB_TOKEN',
      'GITHUB_API_URL',
      'AZL_REPO',
      'AZL_OVAL_URL',
      'AKS_NODE_IMAGE_REPO',
      'AZL_CACHE_DIR',
      'XDG_CACHE_HOME',
      'AZL_HTTP_TIMEOUT_SECONDS',
      'NO_COLOR',
      'AZL_DEBUG',
    ]) {
      expect(run.stdout).toContain(setting);
    }
  });
});

it('a file written by a parser never needs the network: a bad line is exit 2 with its number', async () => {
  const bad = tmpFile('bad.txt', 'bash-5.2.15-3.azl3.x86_64\nnot a package\n');
  writeFileSync(bad, 'bash-5.2.15-3.azl3.x86_64\nnot a package\n');
  const run = await refused(['check', '-i', bad]);
  expect(run.code).toBe(2);
  expect(run.line).toMatch(/^azl-notifier: bad\.txt: line 2: /);
  expect(run.requests).toBe(0);
});
