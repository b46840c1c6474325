/**
 * `azl-notifier check` names every status, says when its OVAL feed is stale, and puts a
 * missing upstream object in words, through the real CLI against the fake GitHub over HTTP.
 * Expected values come from the data: the package tables, the stubs' Obsoletes: lines, the
 * real 2024-10-10 feed's <oval:timestamp>, the derived 2.0 answer.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import {
  cliEnv,
  errorLine,
  fromCli,
  fromKey,
  runCli,
  tmpFile,
  type CheckJson,
} from '../support/cli.js';
import { FIXTURES, fixturePackages, type AnswerKey } from '../support/fixtures.js';
import { serveOvalFeed, type OvalFeedServer } from '../../scripts/stand-ins/oval-feed.js';
import { validateCard } from '../helpers/validate-card.js';

const TAG = '3.0.20260429-3.0';
const containerd2 = fixturePackages(TAG).find((r) => r.sourcePackage === 'containerd2')!;
/** A node that never took containerd2, and kept a package 3.0.20260107-3.0 removed. */
const oldNode = tmpFile(
  'old-node.txt',
  'containerd-1.7.13-3.azl3.x86_64\nfwctl-24.10-21.azl3.x86_64\nbash-5.2.15-3.azl3.x86_64\nblobfuse2-2.5.3-1.x86_64\n',
);
const realFeed = readFileSync(`${FIXTURES}/oval/azurelinux-3.0-oval.xml`, 'utf8');
/** The stale notice for the real feed against this release, from its timestamp and the tag's date. */
const STALE =
  'The OVAL feed is from 2024-10-10, 18 months before this release: severities and kernel CVEs may be missing.';

let github: FakeGitHub;
let stale: OvalFeedServer;
let withContainerdCve: OvalFeedServer;

beforeAll(async () => {
  github = await FakeGitHub.start();
  stale = await serveOvalFeed(realFeed, '"2024-10-10"');
  // The live feed records CVE-2024-24786 (high) against containerd, fixed above 1.7.13-3
  // (the issue); this copy of the real feed's layout and definitions adds that one.
  withContainerdCve = await serveOvalFeed(
    realFeed
      .replace(
        '<oval:timestamp>2024-10-10T12:04:24.575063301Z</oval:timestamp>',
        `<oval:timestamp>${new Date().toISOString()}</oval:timestamp>`,
      )
      .replace('</definitions>', containerdDefinition().definition + '</definitions>')
      .replace('</tests>', containerdDefinition().test + '</tests>')
      .replace('</objects>', containerdDefinition().object + '</objects>')
      .replace('</states>', containerdDefinition().state + '</states>'),
    '"fresh"',
  );
});
afterAll(async () => {
  await github.close();
  await stale.close();
  await withContainerdCve.close();
});

function containerdDefinition() {
  const p = 'oval:com.microsoft.azurelinux';
  return {
    definition: `<definition class="vulnerability" id="${p}:def:99001" version="1"><metadata><title>CVE-2024-24786 affecting package containerd for versions less than 1.7.13-4</title><reference ref_id="CVE-2024-24786" ref_url="https://nvd.nist.gov/vuln/detail/CVE-2024-24786" source="CVE"/><patchable>true</patchable><severity>High</severity></metadata><criteria operator="AND"><criterion comment="Package containerd is earlier than 1.7.13-4, affected by CVE-2024-24786" test_ref="${p}:tst:99001000"/></criteria></definition>`,
    test: `<linux-def:rpminfo_test check="at least one" id="${p}:tst:99001000" version="1"><linux-def:object object_ref="${p}:obj:99001001"/><linux-def:state state_ref="${p}:ste:99001002"/></linux-def:rpminfo_test>`,
    object: `<linux-def:rpminfo_object id="${p}:obj:99001001" version="1"><linux-def:name>containerd</linux-def:name></linux-def:rpminfo_object>`,
    state: `<linux-def:rpminfo_state id="${p}:ste:99001002" version="1"><linux-def:evr datatype="evr_string" operation="less than">0:1.7.13-4.azl3</linux-def:evr></linux-def:rpminfo_state>`,
  };
}

const check = (args: string[], feed?: OvalFeedServer) =>
  runCli(['check', '-i', oldNode, '-r', TAG, ...args], {
    env: cliEnv(github, feed ? { AZL_OVAL_URL: feed.urlTemplate } : {}),
  });

describe('every installed package gets a status', () => {
  it('containerd is replaced by containerd2 with the feed CVE, fwctl is no longer shipped, blobfuse2 untracked', async () => {
    const run = await check(['--format', 'json'], withContainerdCve);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as CheckJson;
    expect(out.untracked).toEqual(['blobfuse2']);
    expect(out.replaced).toEqual([
      {
        package: 'containerd',
        installed: '1.7.13-3.azl3',
        fixed: `${containerd2.evr}.azl3`,
        sourcePackage: 'containerd',
        severity: 'high',
        cves: [
          { id: 'CVE-2024-24786', severity: 'high', severitySource: 'oval', sources: ['oval'] },
        ],
        replacedBy: {
          package: 'containerd2',
          version: `${containerd2.evr}.azl3`,
          sourcePackage: 'containerd2',
          obsoletes: `containerd < ${containerd2.evr}.azl3`,
        },
      },
    ]);
    expect(out.noLongerShipped).toMatchObject([
      { package: 'fwctl', installed: '24.10-21.azl3', removedIn: '3.0.20260107-3.0' },
    ]);
    expect(out.summary).toMatchObject({ replaced: 1, noLongerShipped: 1, untracked: 1, cves: 1 });
    expect(out.feed?.stale).toBeNull();
  });

  it('names each status in the table and Markdown, and says dnf upgrade installs the replacement', async () => {
    const table = await check([], withContainerdCve);
    expect(table.stdout).toContain('Replaced by another package (dnf upgrade installs it):');
    expect(table.stdout).toMatch(
      /^containerd\s+1\.7\.13-3\.azl3\s+containerd2 2\.1\.6-1\.azl3\s+high\s+CVE-2024-24786$/m,
    );
    expect(table.stdout).toContain('No longer shipped (nothing will update these):');
    expect(table.stdout).toMatch(/^fwctl\s+24\.10-21\.azl3\s+removed in 3\.0\.20260107-3\.0/m);
    expect(table.stdout).toMatch(
      /Statuses: 1 current, 0 affected, 0 behind, 1 replaced, 1 no longer shipped, 1 untracked, 0 unknown\./,
    );
    const md = await check(['--format', 'markdown'], withContainerdCve);
    expect(md.stdout).toContain('#### Replaced by another package (dnf upgrade installs it)');
    expect(md.stdout).toContain(
      '| fwctl | 24.10-21.azl3 | SPECS/fwctl/fwctl.spec was removed in 3.0.20260107-3.0 |',
    );
  });

  it('--fail-on counts the replaced package like a behind one; --fail-on-unsupported fails on fwctl', async () => {
    expect((await check(['--fail-on', 'high'], withContainerdCve)).code).toBe(3);
    expect((await check(['--fail-on', 'critical'], withContainerdCve)).code).toBe(0);
    const noFwctl = tmpFile('n.txt', 'containerd2-2.1.6-1.azl3.x86_64\n');
    const env = cliEnv(github);
    expect((await check(['--fail-on-unsupported'])).code).toBe(3);
    const clean = await runCli(['check', '-i', noFwctl, '-r', TAG, '--fail-on-unsupported'], {
      env,
    });
    expect(clean.code).toBe(0);
  });

  it('puts replaced and unshipped CVEs in SARIF with what became of the package', async () => {
    const run = await check(['--format', 'sarif'], withContainerdCve);
    const log = JSON.parse(run.stdout) as { runs: { results: { message: { text: string } }[] }[] };
    expect(log.runs[0]!.results.map((r) => r.message.text)).toEqual([
      `containerd 1.7.13-3.azl3 is installed; ${TAG} replaces it with containerd2 ${containerd2.evr}.azl3 (dnf upgrade installs it), which leaves CVE-2024-24786 (high) behind.`,
    ]);
  });
});

describe('a stale OVAL feed is said out loud', () => {
  it('in JSON, the table and the Teams card (one footnote), against a 2026 release', async () => {
    const json = JSON.parse((await check(['--format', 'json'], stale)).stdout) as CheckJson;
    expect(json.notices).toContain(STALE);
    expect(json.feed).toEqual({ generatedAt: '2024-10-10T12:04:24.575Z', stale: STALE });
    expect((await check([], stale)).stdout).toContain(`NOTICE: ${STALE}`);
    const card = await runCli(['render', '-i', oldNode, '-r', TAG, '-c', 'teams'], {
      env: cliEnv(github, { AZL_OVAL_URL: stale.urlTemplate }),
    });
    expect(card.code).toBe(0);
    const content = (
      JSON.parse(card.stdout) as { attachments: { content: { body: { text?: string }[] } }[] }
    ).attachments[0]!.content;
    expect(validateCard(content as never)).toEqual([]);
    const mentions = JSON.stringify(content).split('The OVAL feed is from 2024-10-10').length - 1;
    expect(mentions).toBe(1);
    expect(content.body.at(-1)?.text).toBe(`¹ ${STALE}`);
  });

  it('--fail-on warns past --max-feed-age; --require-fresh-feed fails with exit 7 and still writes the report', async () => {
    const warned = await check(['--fail-on', 'critical', '--format', 'json'], stale);
    expect(warned.code).toBe(0);
    expect(errorLine(warned.stderr)).toMatch(
      /^warning: the OVAL feed is from 2024-10-10, \d+ days old, over --max-feed-age 7d/,
    );
    const failed = await check(
      ['--fail-on', 'critical', '--require-fresh-feed', '--format', 'json'],
      stale,
    );
    expect(failed.code).toBe(7);
    expect(JSON.parse(failed.stdout)).toHaveProperty('feed');
    expect(errorLine(failed.stderr)).toMatch(/^azl-notifier: the OVAL feed is from 2024-10-10/);
    const fresh = await check(['--require-fresh-feed', '--max-feed-age', '36h'], withContainerdCve);
    expect(fresh.code).toBe(0);
    const none = await check(['--require-fresh-feed']);
    expect(none.code).toBe(7);
    expect(errorLine(none.stderr)).toBe(
      'azl-notifier: no OVAL feed could be read, so severities and kernel CVEs are missing',
    );
  });
});

describe('the 2.0 line, and a mirror that lacks a blob', () => {
  const inventory = `${FIXTURES}/derived/azurelinux2-node-20251206.rpm-qa.txt`;
  const key = JSON.parse(
    readFileSync(`${FIXTURES}/derived/azurelinux2-node-20251206__2.0.20260203-2.0.json`, 'utf8'),
  ) as AnswerKey;
  const luaSha = fixturePackages('2.0.20260203-2.0').find(
    (r) => r.sourcePackage === 'lua',
  )!.specBlobSha;

  it('answers the 2.0 node exactly as its answer says, lua-libs and the other subpackages included', async () => {
    const gh2 = await FakeGitHub.start({ line: '2.0' });
    try {
      const run = await runCli(['check', '-i', inventory, '-r', key.release, '--format', 'json'], {
        env: cliEnv(gh2),
      });
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout) as CheckJson;
      expect(fromCli(out)).toEqual(fromKey(key));
      expect(out.untracked).toEqual(key.unmapped_binaries);
      expect(out.summary).toMatchObject({ current: 290, affected: 18, behind: 8, unknown: 0 });
    } finally {
      await gh2.close();
    }
  });

  it('says which blob GitHub lacks, where the tree names it, and exits 5', async () => {
    const gh2 = await FakeGitHub.start({ line: '2.0', missingBlobs: [luaSha] });
    try {
      const run = await runCli(['check', '-i', inventory, '-r', key.release], { env: cliEnv(gh2) });
      expect(run.code).toBe(5);
      expect(run.stderr).not.toContain('unexpected error');
      expect(errorLine(run.stderr)).toBe(
        `azl-notifier: GitHub has no blob ${luaSha.slice(0, 7)}… (SPECS/lua/lua.spec at ${key.release}): is GITHUB_API_URL a complete mirror?`,
      );
    } finally {
      await gh2.close();
    }
  });
});
