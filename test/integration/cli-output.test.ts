/**
 * Output for CI (issue 13): SARIF that validates against the official 2.1.0 schema, with a
 * rule per CVE, a result per (package, CVE) and the package's line as location; --output;
 * --quiet; colour only on a terminal. Expected values come from the answer key, the
 * inventory file itself and the test's own OVAL feed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeUpstreams } from '../support/upstreams.js';
import { BIN, cliEnv, runCli, tmpFile } from '../support/cli.js';
import { FIXTURES, GEN2_CASE, answerKeyInventoryPath, readAnswerKey } from '../support/fixtures.js';
import { APRIL_2026_FEED } from '../support/oval-fixes.js';

const key = readAnswerKey(GEN2_CASE);
const gen2 = answerKeyInventoryPath(GEN2_CASE);
const gen2Lines = readFileSync(gen2, 'utf8').split('\n');
/** The test's own ratings, beside the shared feed: a critical and a low one to map. */
const FEED = [
  ...APRIL_2026_FEED,
  {
    id: 60101,
    cve: 'CVE-2026-35385',
    sourcePackage: 'openssh',
    fixed: '0:9.8p1-6.azl3',
    severity: 'Critical',
  },
  { id: 60102, cve: 'CVE-2026-5958', sourcePackage: 'sed', fixed: '0:4.9-2.azl3', severity: 'Low' },
] as const;

const up = fakeUpstreams(FEED);

/** One cache for the file, warmed by the first run: the outputs are what these tests vary. */
let cache = '';
const env = () =>
  cliEnv(up.github, { AZL_OVAL_URL: up.oval.urlTemplate, ...(cache && { AZL_CACHE_DIR: cache }) });
/** The gen2 node's SARIF, run from test/fixtures so its path is inventories/…. */
let gen2Sarif: Log;
beforeAll(async () => {
  cache = env().AZL_CACHE_DIR!;
  gen2Sarif = await sarif(gen2, FIXTURES);
});

const validateSarif = (() => {
  // Both are CommonJS packages whose class is their `default` export.
  const ajv = new Ajv.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const schema = JSON.parse(
    readFileSync(join(FIXTURES, 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'),
  ) as object;
  return ajv.compile(schema);
})();

async function sarif(inventory: string, cwd?: string): Promise<Log> {
  const run = await runCli(['check', '-i', inventory, '-r', key.release, '-f', 'sarif'], {
    env: env(),
    ...(cwd ? { cwd } : {}),
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Log;
}

/** (package, CVE) pairs the answer key says upgrading fixes, over both lists. */
const keyPairs = (): string[] =>
  [...key.affected, ...key.behind.filter((b) => !b.changed_in_release)]
    .flatMap((a) => a.cves.map((c) => `${a.package} ${c}`))
    .sort();

describe('--format sarif', () => {
  it('validates against the SARIF 2.1.0 schema, with a rule per CVE and a result per (package, CVE)', () => {
    const log = gen2Sarif;
    const valid = validateSarif(log);
    expect(validateSarif.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const [run] = log.runs;
    const results = run!.results ?? [];
    // The feed adds the kernel CVEs the key's changelog-only view cannot know of.
    const feedOnly = APRIL_2026_FEED.filter((d) => d.sourcePackage === 'kernel');
    const fromFeed = results.filter((r) => feedOnly.some((d) => d.cve === r.ruleId));
    const pairs = results
      .filter((r) => !fromFeed.includes(r))
      .map((r) => `${(r.properties as { package: string }).package} ${r.ruleId}`)
      .sort();
    expect(pairs).toEqual(keyPairs());
    const rules = run!.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id).sort()).toEqual(
      [...new Set(results.map((r) => r.ruleId!))].sort(),
    );
    for (const r of results) expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);
  });

  it('takes the level from the severity, and says the severity to GitHub', () => {
    const log = gen2Sarif;
    const results = log.runs[0]!.results ?? [];
    const rules = log.runs[0]!.tool.driver.rules ?? [];
    const level = (cve: string) => results.find((r) => r.ruleId === cve)?.level;
    const score = (cve: string) =>
      Number((rules.find((r) => r.id === cve)?.properties ?? {})['security-severity']);
    expect(level('CVE-2026-35385')).toBe('error'); // Critical in the test feed
    expect(score('CVE-2026-35385')).toBeGreaterThanOrEqual(9);
    expect(level('CVE-2026-31001')).toBe('error'); // High (kernel)
    expect(score('CVE-2026-31001')).toBeGreaterThanOrEqual(7);
    expect(score('CVE-2026-31001')).toBeLessThan(9);
    expect(level('CVE-2026-35469')).toBe('warning'); // Medium (containerd2)
    expect(level('CVE-2026-5958')).toBe('note'); // Low (sed)
    // Rated by nobody: a warning, without a security-severity to invent.
    const unrated = key.behind.find((b) => b.package === 'xz')!.cves[0]!;
    expect(level(unrated)).toBe('warning');
    expect(rules.find((r) => r.id === unrated)?.properties?.['security-severity']).toBeUndefined();
  });

  it("locates each result at the package's line of the inventory, by its path from the working directory", () => {
    const log = gen2Sarif;
    const uri = relative(FIXTURES, gen2);
    for (const r of log.runs[0]!.results ?? []) {
      const { package: pkg, installed } = r.properties as { package: string; installed: string };
      const location = r.locations![0]!.physicalLocation!;
      expect(location.artifactLocation!.uri).toBe(uri);
      const line = gen2Lines.findIndex((l) => l.startsWith(`${pkg}-${installed}.`)) + 1;
      expect(line).toBeGreaterThan(0);
      expect(location.region?.startLine).toBe(line);
    }
  });

  it('locates SBOM results at the file alone: JSON has no line per package', async () => {
    const sbom = join(FIXTURES, 'inventories', 'gen2.cdx.json');
    const log = await sarif(sbom, FIXTURES);
    expect(validateSarif(log)).toBe(true);
    const results = log.runs[0]!.results ?? [];
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.locations![0]!.physicalLocation).toEqual({
        artifactLocation: { uri: 'inventories/gen2.cdx.json' },
      });
    }
  });
});

describe('--output and --quiet', () => {
  it('--output writes the result to the file and nothing to stdout', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'azl-out-')), 'report.md');
    const run = await runCli(
      ['check', '-i', gen2, '-r', key.release, '-f', 'markdown', '--output', file],
      { env: env() },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toContain(`### Azure Linux ${key.release}`);
  });

  it('--quiet prints nothing, even warnings, and keeps the exit code', async () => {
    // An expired ignore entry is a warning; --quiet keeps stderr for errors only.
    const ignore = tmpFile(
      'ignore.yaml',
      'ignore:\n  - package: kernel\n    reason: old\n    expires: 2020-01-01\n',
    );
    const args = ['check', '-i', gen2, '-r', key.release, '--fail-on', 'any'];
    const loud = await runCli([...args, '--ignore-file', ignore], { env: env() });
    expect(loud.stderr).toMatch(/^warning: .*expired on 2020-01-01/);
    const quiet = await runCli([...args, '--ignore-file', ignore, '--quiet'], { env: env() });
    expect(quiet).toMatchObject({ code: 3, stdout: '', stderr: '' });
  });
});

describe('colour', () => {
  const script = (command: string, extra: Record<string, string>) =>
    promisify(execFile)('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ...env(), ...extra },
    });
  // eslint-disable-next-line no-control-regex -- an SGR (colour) escape sequence
  const SGR = /\u001b\[[0-9;]*m/;
  const check = `${process.execPath} ${BIN} check -i ${gen2} -r ${key.release}`;

  it('colours severities in the table on a terminal', async () => {
    const { stdout } = await script(check, {});
    expect(stdout).toContain('\u001b[31mhigh\u001b[39m');
  });

  it('none under NO_COLOR, nor when piped, nor in a file', async () => {
    const { stdout } = await script(check, { NO_COLOR: '1' });
    expect(stdout).toContain('high');
    expect(stdout).not.toMatch(SGR);
    const piped = await runCli(['check', '-i', gen2, '-r', key.release], { env: env() });
    expect(piped.stdout).toContain('high');
    expect(piped.stdout).not.toMatch(SGR);
    const file = join(mkdtempSync(join(tmpdir(), 'azl-out-')), 'table.txt');
    await script(`${check} -o ${file}`, {});
    expect(readFileSync(file, 'utf8')).not.toMatch(SGR);
  });
});
