/**
 * The accepted-risk file (issue 13): ignored CVEs and packages leave the gate, are listed as
 * ignored in every format, and an expired entry stops applying and is said to have expired.
 * Dates are relative to today, so the test means the same on any day it runs.
 */
import { dirname } from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { cliEnv, errorLine, runCli, tmpFile, type CheckJson } from '../support/cli.js';
import { GEN2_CASE, answerKeyInventoryPath, readAnswerKey } from '../support/fixtures.js';

const key = readAnswerKey(GEN2_CASE);
const gen2 = answerKeyInventoryPath(GEN2_CASE);
const outdated = [...key.affected, ...key.behind.filter((b) => !b.changed_in_release)];
const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
/** A CVE the node's openssh update fixes, per the answer key. */
const sshCve = key.affected.find((a) => a.package === 'openssh')!.cves[0]!;

let github: FakeGitHub;
/** One cache for the file: the ignore file is what these tests vary, not the downloads. */
let cache = '';
beforeAll(async () => {
  github = await FakeGitHub.start();
  cache = cliEnv(github).AZL_CACHE_DIR!;
  const warm = await check([]);
  expect(warm.code).toBe(0);
});
afterAll(async () => {
  await github.close();
});

const check = (args: string[], cwd?: string) =>
  runCli(['check', '-i', gen2, '-r', key.release, ...args], {
    env: cliEnv(github, { AZL_CACHE_DIR: cache }),
    ...(cwd ? { cwd } : {}),
  });

/** An ignore file accepting every outdated package, the kernel with this expiry. */
const everything = (kernelExpires: string) =>
  tmpFile(
    'ignore.yaml',
    `ignore:\n${[...new Set(outdated.map((a) => a.package))]
      .map(
        (p) =>
          `  - package: ${p}\n    reason: accepted for the test\n${p === 'kernel' ? `    expires: ${kernelExpires}\n` : ''}`,
      )
      .join('')}`,
  );

describe('--ignore-file', () => {
  it('takes accepted packages out of the gate while they are in force', async () => {
    const run = await check([
      '--fail-on',
      'any',
      '-f',
      'json',
      '--ignore-file',
      everything(day(30)),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as CheckJson;
    expect([...out.affected, ...out.behind]).toEqual([]);
    expect(out.ignored.map((i) => i.package).sort()).toEqual(outdated.map((a) => a.package).sort());
    expect(out.ignored.every((i) => i.wholePackage && i.reason === 'accepted for the test')).toBe(
      true,
    );
  });

  it('an expired entry stops applying, and check says so', async () => {
    const file = everything(day(-1));
    const run = await check(['--fail-on', 'any', '-f', 'json', '--ignore-file', file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `warning: ${file}: the entry for kernel expired on ${day(-1)} and no longer applies\n`,
    );
    const out = JSON.parse(run.stdout) as CheckJson;
    expect(out.affected.map((a) => a.package)).toEqual(['kernel']);
    expect(out.ignoreFile?.expired).toEqual([
      { cve: null, package: 'kernel', reason: 'accepted for the test', expires: day(-1) },
    ]);
    const markdown = await check(['-f', 'markdown', '--ignore-file', file]);
    expect(markdown.stdout).toContain(`the entry for kernel expired on ${day(-1)}`);
    // Today is still in force: an entry applies through its expiry day.
    const today = await check(['--fail-on', 'any', '--ignore-file', everything(day(0))]);
    expect(today.code).toBe(0);
  });

  it('a CVE entry removes that CVE only, and every format lists it as ignored', async () => {
    const file = tmpFile(
      '.azl-notifier-ignore.yaml',
      `ignore:\n  - cve: ${sshCve}\n    package: openssh-server\n    reason: "no sshd on these nodes"\n`,
    );
    // Found as the default file in the working directory.
    const cwd = dirname(file);
    const json = JSON.parse((await check(['-f', 'json'], cwd)).stdout) as CheckJson;
    const server = json.affected.find((a) => a.package === 'openssh-server')!;
    expect(server.cves.map((c) => c.id)).not.toContain(sshCve);
    // The other binaries of the same source still count it: the rule names one binary.
    for (const other of ['openssh', 'openssh-clients']) {
      const update = json.affected.find((a) => a.package === other)!;
      expect(update.cves.map((c) => c.id)).toContain(sshCve);
    }
    expect(json.ignored).toEqual([
      expect.objectContaining({
        package: 'openssh-server',
        cves: [expect.objectContaining({ id: sshCve })],
        wholePackage: false,
        reason: 'no sshd on these nodes',
        expires: null,
      }),
    ]);
    const table = (await check([], cwd)).stdout;
    expect(table).toMatch(
      /^Ignored: 1 CVE in 1 package \(accepted in \.azl-notifier-ignore\.yaml; not counted by --fail-on\)\.$/m,
    );
    expect(table).toMatch(
      new RegExp(
        `^openssh-server\\s+\\S+\\s+\\S+\\s+${sshCve}\\s+-\\s+no sshd on these nodes$`,
        'm',
      ),
    );
    const markdown = (await check(['-f', 'markdown'], cwd)).stdout;
    expect(markdown).toContain('#### Ignored');
    expect(markdown).toContain(`| ${sshCve} | – | no sshd on these nodes |`);
    const sarif = JSON.parse((await check(['-f', 'sarif'], cwd)).stdout) as Log;
    const suppressed = (sarif.runs[0]!.results ?? []).filter((r) => r.suppressions?.length);
    expect(
      suppressed.map((r) => [r.ruleId, (r.properties as { package: string }).package]),
    ).toEqual([[sshCve, 'openssh-server']]);
    expect(suppressed[0]!.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'no sshd on these nodes' },
    ]);
  });

  it.each([
    ['ignore:\n  - cve: CVE-2026-1\n    reason: x\n', /ignore\[0\]\.cve: must be a CVE id/],
    ['ignore:\n  - package: kernel\n', /ignore\[0\]\.reason: is required/],
    [
      'ignore:\n  - package: kernel\n    reason: x\n    expire: 2026-01-01\n',
      /ignore\[0\]: Unrecognized key: "expire"/,
    ],
    ['ignore:\n  - reason: nothing named\n', /ignore\[0\]: names neither a cve nor a package/],
    [
      'ignore:\n  - package: kernel\n    reason: x\n    expires: 2026-02-30\n',
      /ignore\[0\]\.expires: is not a real date/,
    ],
    ['ignore: [unclosed\n', /ignore\.yaml: line \d+: /],
  ])('refuses a broken file with exit 2, saying where: %j', async (text, message) => {
    github.resetCounts();
    const run = await check(['--ignore-file', tmpFile('ignore.yaml', text)]);
    expect(run.code).toBe(2);
    expect(errorLine(run.stderr)).toMatch(message);
    expect(github.totalRequests).toBe(0);
  });
});
