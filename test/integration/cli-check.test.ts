import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { BIN, errorLine, fromCli, fromKey, runCli, type CheckJson } from '../support/cli.js';
import {
  answerKeyFiles,
  answerKeyInventoryPath,
  fixtureReleases,
  GEN2_CASE,
  readAnswerKey,
} from '../support/fixtures.js';
import type { AnswerKey } from '../support/fixtures.js';
import { validateCard } from '../helpers/validate-card.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

const changedSpecs = (tag: string): number =>
  fixtureReleases().find((r) => r.tag === tag)?.changes?.length ?? 0;

/** The request budget of issue 9: 8 + 2 × (changed specs) + (distinct behind sources). */
const budgetFor = (key: AnswerKey): number =>
  8 +
  2 * changedSpecs(key.release) +
  new Set(key.behind.filter((b) => !b.changed_in_release).map((b) => b.source_package)).size;

const answerKeys = answerKeyFiles().map((file) => ({
  file,
  inventory: answerKeyInventoryPath(file),
  key: readAnswerKey(file),
}));

let github: FakeGitHub;
const env = (): Record<string, string> => ({
  GITHUB_API_URL: github.url,
  AZL_REPO: github.repoSlug,
  // A fresh cache per run: the request budget is measured without help from earlier runs.
  AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-cache-')),
  // The default feed is on raw.githubusercontent.com, which tests never reach; the tests
  // that exercise the feed serve one of their own.
  AZL_OVAL_URL: 'off',
});

beforeAll(async () => {
  github = await FakeGitHub.start();
});
afterAll(async () => {
  await github.close();
});

describe('azl-notifier check against the fake GitHub', () => {
  it.each(answerKeys)(
    '$file: lists exactly the answer key, within the request budget',
    async ({ inventory, key }) => {
      github.resetCounts();
      const run = await runCli(
        ['check', '--inventory', inventory, '--release', key.release, '--format', 'json'],
        { env: env() },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout) as CheckJson;
      expect(out.release.tag).toBe(key.release);
      expect(fromCli(out)).toEqual(fromKey(key));
      expect(out.summary.affected).toBe(key.affected.length);
      expect(out.summary.behind).toBe(key.behind.length - key.affected.length);
      // The key's unmapped binaries are untracked when their dist tag is not Azure Linux's
      // (blobfuse2, acr-mirror), unknown with a reason when it is (ig, the perl modules).
      const lines = readFileSync(inventory, 'utf8').split('\n');
      const azl = (name: string) =>
        lines.some((l) => l.startsWith(`${name}-`) && /\.azl3(\.|$)/.test(l));
      expect(out.untracked).toEqual(key.unmapped_binaries.filter((n) => !azl(n)).sort());
      expect(out.unknown.map((u) => u.package)).toEqual(key.unmapped_binaries.filter(azl).sort());
      expect(out.unknown.every((u) => u.reason.length > 0)).toBe(true);
      expect(out.replaced).toEqual([]);
      expect(out.noLongerShipped).toEqual([]);
      const budget = budgetFor(key);
      console.log(`${key.release}: ${github.totalRequests} GitHub requests (budget ${budget})`);
      expect(github.totalRequests).toBeLessThanOrEqual(budget);
    },
  );

  const latest = answerKeys.find((a) => a.file === GEN2_CASE)!;

  it('asks GitHub nothing on a warm cache for a tag named outright, and only the listing for latest', async () => {
    // The change set of a release pair is kept (issue 13), so trees and compare are not
    // read again; a published tag and its predecessor do not change, so the cached listing
    // answers for them; `latest` asks for the listing with its ETag and is answered 304.
    const warm = env();
    const pinned = ['check', '-i', latest.inventory, '-r', latest.key.release, '-f', 'json'];
    const cold = await runCli(pinned, { env: warm });
    github.resetCounts();
    const again = await runCli(pinned, { env: warm });
    expect(again.stdout).toBe(cold.stdout);
    expect(github.totalRequests).toBe(0);
    console.log(`${latest.key.release} warm: ${github.totalRequests} GitHub requests`);

    // The fake's newest release is this key's: `latest` names the same release.
    const newest = await runCli(['check', '-i', latest.inventory, '-f', 'json'], { env: warm });
    expect(newest.stdout).toBe(cold.stdout);
    expect(github.counts()).toMatchObject({ releases: 1, tree: 0, compare: 0, blob: 0 });
    expect(github.requests[0]?.status).toBe(304);
    console.log(`latest warm: ${github.totalRequests} GitHub requests`);
  });

  it.each(['gen2.rpm-qf.txt', 'gen2.cdx.json', 'gen2.spdx.json', 'aks-release-notes-gen2.txt'])(
    'reads %s (other inventory formats) to the same answer',
    async (name) => {
      const run = await runCli(
        [
          'check',
          '-i',
          join(fixtures, 'inventories', name),
          '-r',
          latest.key.release,
          '-f',
          'json',
        ],
        { env: env() },
      );
      expect(run.stderr).toBe('');
      expect(fromCli(JSON.parse(run.stdout) as CheckJson)).toEqual(fromKey(latest.key));
    },
  );

  it('reads the inventory from stdin, resolves "latest" and prints a table by default', async () => {
    const run = await runCli(['check', '--inventory', '-'], {
      env: env(),
      stdin: readFileSync(latest.inventory, 'utf8'),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Azure Linux ${latest.key.release}`);
    expect(run.stdout).toMatch(/^PACKAGE\s+INSTALLED\s+FIXED\s+SEVERITY\s+CVES$/m);
    for (const a of latest.key.affected)
      expect(run.stdout).toMatch(
        new RegExp(`^${a.package}\\s+${a.installed.replace(/\./g, '\\.')}\\s`, 'm'),
      );
  });

  it('shows progress on stderr only when stderr is a terminal', async () => {
    // `script` (util-linux) gives the CLI a pseudo-terminal; stdout still goes to a file,
    // so what `script` captures is exactly what the user's terminal would show on stderr.
    const out = join(mkdtempSync(join(tmpdir(), 'azl-tty-')), 'out.json');
    const command = `${process.execPath} ${BIN} check -i ${latest.inventory} -r ${latest.key.release} -f json > ${out}`;
    const { stdout: tty } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ...env() },
    });
    expect(tty).toMatch(/reading changed specs \d+\/\d+/);
    expect(fromCli(JSON.parse(readFileSync(out, 'utf8')) as CheckJson)).toEqual(
      fromKey(latest.key),
    );
  });

  it('prints Markdown for pull-request comments', async () => {
    const run = await runCli(
      ['check', '-i', latest.inventory, '-r', latest.key.release, '-f', 'markdown'],
      { env: env() },
    );
    expect(run.stdout).toContain('| Package | Installed | Fixed | Severity | CVEs |');
    expect(run.stdout).toContain('https://nvd.nist.gov/vuln/detail/CVE-');
  });

  it('--fail-on any exits 3 when something is affected, 0 for the empty re-tag', async () => {
    const hit = await runCli(
      ['check', '-i', latest.inventory, '-r', latest.key.release, '--fail-on', 'any'],
      { env: env() },
    );
    expect(hit.code).toBe(3);
    const empty = await runCli(
      ['check', '-i', latest.inventory, '-r', '3.0.20260118-3.0', '--fail-on', 'any', '-f', 'json'],
      { env: env() },
    );
    expect(empty.code).toBe(0);
    expect((JSON.parse(empty.stdout) as CheckJson).affected).toEqual([]);
  });

  it('--fail-on critical passes when nothing affected is critical', async () => {
    const run = await runCli(
      [
        'check',
        '-i',
        latest.inventory,
        '-r',
        latest.key.release,
        '--fail-on',
        'critical',
        '-f',
        'json',
      ],
      { env: env() },
    );
    const out = JSON.parse(run.stdout) as CheckJson;
    expect(run.code).toBe(out.affected.some((a) => a.severity === 'critical') ? 3 : 0);
  });
});

describe('azl-notifier check errors: one line, no stack trace, a usable exit code', () => {
  const oneLine = (stderr: string): void => {
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  it('names the line of a bad inventory and exits 2', async () => {
    const run = await runCli(['check', '-i', '-', '-r', '3.0.20260429-3.0'], {
      env: env(),
      stdin: 'bash-5.2.15-3.azl3.x86_64\nthis is not a package\n',
    });
    expect(run.code).toBe(2);
    oneLine(run.stderr);
    expect(run.stderr).toMatch(/line 2/);
  });

  it('exits 4 for an unknown tag', async () => {
    const run = await runCli(['check', '-i', latest().inventory, '-r', '3.0.20990101-3.0'], {
      env: env(),
    });
    expect(run.code).toBe(4);
    oneLine(run.stderr);
    expect(run.stderr).toContain('3.0.20990101-3.0');
  });

  it('exits 5 when GitHub cannot be reached, saying so at each retry', async () => {
    const run = await runCli(['check', '-i', latest().inventory], {
      env: { ...env(), GITHUB_API_URL: 'http://127.0.0.1:9' },
    });
    expect(run.code).toBe(5);
    const lines = run.stderr.trim().split('\n');
    // Two retries, each one line even though stderr is a pipe, then the error.
    expect(lines.slice(0, -1)).toEqual([
      expect.stringMatching(
        /^GitHub GET \/repos\/microsoft\/azurelinux\/releases: .+; retry 1 of 2$/,
      ),
      expect.stringMatching(
        /^GitHub GET \/repos\/microsoft\/azurelinux\/releases: .+; retry 2 of 2$/,
      ),
    ]);
    expect(errorLine(run.stderr)).toMatch(
      /^azl-notifier: cannot reach GitHub at http:\/\/127\.0\.0\.1:9/,
    );
  });

  it('exits 5 and says until when the rate limit is spent', async () => {
    const limited = await FakeGitHub.start();
    try {
      const resetAt = new Date(Date.now() + 3600_000);
      limited.exhaustRateLimit(resetAt);
      const run = await runCli(['check', '-i', latest().inventory], {
        env: { ...env(), GITHUB_API_URL: limited.url },
      });
      expect(run.code).toBe(5);
      oneLine(run.stderr);
      expect(run.stderr).toMatch(/rate limit/i);
    } finally {
      await limited.close();
    }
  });

  it('rejects an unknown --format with exit 2', async () => {
    const run = await runCli(['check', '-i', latest().inventory, '-f', 'yaml'], { env: env() });
    expect(run.code).toBe(2);
  });
});

function latest(): (typeof answerKeys)[number] {
  return answerKeys.find((a) => a.file === GEN2_CASE)!;
}

describe('azl-notifier render: exactly what a subscriber would receive', () => {
  it('writes the Teams webhook body: a valid Adaptive Card 1.4 naming the affected packages', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'azl-render-')), 'card.json');
    const run = await runCli(
      [
        'render',
        '-i',
        latest().inventory,
        '-r',
        latest().key.release,
        '--channel',
        'teams',
        '--out',
        out,
      ],
      { env: env() },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const message = JSON.parse(readFileSync(out, 'utf8')) as {
      type: string;
      attachments: { contentType: string; content: { version: string } }[];
    };
    expect(message.type).toBe('message');
    const card = message.attachments[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(validateCard(card.content as never)).toEqual([]);
    expect(card.content.version).toBe('1.4');
    const text = JSON.stringify(card.content);
    for (const source of new Set(latest().key.affected.map((a) => a.source_package))) {
      expect(text).toContain(source);
    }
  });

  it('writes the complete email message with HTML and text parts', async () => {
    const run = await runCli(
      ['render', '-i', latest().inventory, '-r', latest().key.release, '-c', 'email'],
      { env: env() },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Content-Type: multipart\/alternative/im);
    expect(run.stdout).toMatch(/^Content-Type: text\/plain/im);
    expect(run.stdout).toMatch(/^Content-Type: text\/html/im);
    expect(run.stdout).toContain(latest().key.release);
  });

  it('requires --channel', async () => {
    const run = await runCli(['render', '-i', latest().inventory], { env: env() });
    expect(run.code).toBe(2);
  });
});

describe('azl-notifier --help and vercmp', () => {
  it('teaches: --help lists commands, exit codes and examples', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('check');
    expect(top.stdout).toContain('Exit codes');
    const check = await runCli(['check', '--help']);
    expect(check.stdout).toContain('Examples');
  });

  it('vercmp answers like rpmdev-vercmp', async () => {
    expect(await runCli(['vercmp', '1.0-1.azl3', '1.0-2.azl3'])).toMatchObject({
      code: 12,
      stdout: '1.0-1.azl3 < 1.0-2.azl3\n',
    });
    expect(await runCli(['vercmp', '1:1.0-1', '2.0-1'])).toMatchObject({
      code: 11,
      stdout: '1:1.0-1 > 2.0-1\n',
    });
    expect(await runCli(['vercmp', '1.0~rc1-1', '1.0~rc1-1'])).toMatchObject({
      code: 0,
      stdout: '1.0~rc1-1 == 1.0~rc1-1\n',
    });
  });

  it('vercmp --batch reproduces all 5,000 librpm vectors', async () => {
    const rows = readFileSync(join(fixtures, 'rpm-vercmp/vectors.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    const run = await runCli(['vercmp', '--batch'], {
      stdin: rows.map(([l, r]) => `${l}\t${r}\n`).join(''),
    });
    expect(run.code).toBe(0);
    const got = run.stdout.trim().split('\n');
    const disagreements = rows.filter((row, i) => got[i] !== row[2]).length;
    expect(disagreements).toBe(0);
  });
});
