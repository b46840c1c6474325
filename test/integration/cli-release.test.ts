/**
 * `azl-notifier release` and `releases` (issue 13): a whole release as a release note, and
 * the list of releases with their dates and counts. Expected values come from the release
 * records (releases.json) and the fixture helper that reads CVEs from the spec stubs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeUpstreams } from '../support/upstreams.js';
import { fixtureReleaseInputs } from '../../scripts/stand-ins/github.js';
import { cliEnv, runCli } from '../support/cli.js';
import { fixtureReleases, newlyFixed, releaseRecord } from '../support/fixtures.js';

const up = fakeUpstreams();

const TAG = '3.0.20260429-3.0';
const record = releaseRecord(TAG);
const changes = record.changes ?? [];
const kinds = (kind: string) => changes.filter((c) => c.kind === kind).length;

describe(`release ${TAG} --format markdown`, () => {
  let note = '';
  beforeAll(async () => {
    const run = await runCli(['release', TAG, '--format', 'markdown'], { env: cliEnv(up.github) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    note = run.stdout;
    console.log(note.split('\n').slice(0, 24).join('\n'));
  });

  it('opens like a release note: title, date, what it is compared with, links', () => {
    const lines = note.split('\n');
    expect(lines[0]).toBe(`## Azure Linux ${TAG}`);
    expect(lines[2]).toBe(
      `Published 29 Apr 2026, 01:56 UTC, compared with ${record.previous_tag}. ` +
        `[Release page](https://github.com/${up.github.repoSlug}/releases/tag/${TAG}) · ` +
        `[Full diff](${up.github.url}/${up.github.repoSlug}/compare/${record.previous_tag}...${TAG})`,
    );
  });

  it('gives the counts in a sentence', () => {
    const cves = new Set(changes.flatMap(newlyFixed)).size;
    expect(note).toContain(
      `It updates ${kinds('updated')} packages, adds ${kinds('added')} and removes none, and fixes ${cves} CVEs (`,
    );
  });

  it('names the notable updates: the kernel and the toolchains first, with their versions', () => {
    const notable = note.slice(
      note.indexOf('### Notable updates'),
      note.indexOf('### Every change'),
    );
    const bullets = notable.split('\n').filter((l) => l.startsWith('- '));
    const kernel = changes.find((c) => c.source_package === 'kernel')!;
    expect(bullets[0]).toMatch(new RegExp(`^- \`kernel\` ${kernel.from} → ${kernel.to} `));
    const hwe = changes.find((c) => c.source_package === 'kernel-hwe')!;
    expect(bullets[0]).toContain(`\`kernel-hwe\` ${hwe.from} → ${hwe.to}`);
    for (const name of ['nodejs', 'nodejs24', 'rust', 'erlang']) {
      const c = changes.find((x) => x.source_package === name)!;
      expect(bullets.slice(1, 5)).toContainEqual(
        expect.stringMatching(
          new RegExp(`^- \`${name}\` ${c.from} → ${c.to}: fixes ${newlyFixed(c).length} CVE`),
        ),
      );
    }
    // A short list a person reads, not the whole release.
    expect(bullets.length).toBeLessThanOrEqual(1 + 4 + 8 + 1);
  });

  it('lists every change, each with its versions and the CVEs it fixes', () => {
    const list = note.slice(note.indexOf('### Every change, by severity'));
    for (const c of changes) {
      const row = list
        .split('\n')
        .find((l) => l.startsWith(`| ${c.source_package.replace(/_/g, '\\_')} |`));
      expect(row, c.source_package).toBeDefined();
      expect(row).toContain(c.kind === 'added' ? `${c.to} (new)` : `${c.from} → ${c.to}`);
      for (const id of newlyFixed(c)) expect(row).toContain(`[${id}](`);
    }
    const headings = list.split('\n').filter((l) => l.startsWith('#### '));
    expect(headings[0]).toMatch(/^#### High severity \(\d+ packages\)$/);
    expect(headings[headings.length - 1]).toMatch(/^#### No CVE named \(\d+ packages\)$/);
  });

  it('takes kernel CVEs from the OVAL feed, which changelogs leave out', async () => {
    const run = await runCli(['release', TAG, '-f', 'markdown'], {
      env: cliEnv(up.github, { AZL_OVAL_URL: up.oval.urlTemplate }),
    });
    const kernel = run.stdout.split('\n').find((l) => l.startsWith('- `kernel` '));
    // CVE-2026-31001 and -31002 are fixed by 6.6.134.1-1 and -2; -31003 only in 6.6.140.
    expect(kernel).toMatch(/: fixes 2 CVEs, up to high$/);
  });
});

describe('releases', () => {
  const published = new Map(
    fixtureReleaseInputs().map((r) => [r.tag, r.publishedAt!.slice(0, 10)]),
  );
  const newestFirst = [...fixtureReleases()].reverse();

  it('lists every release of the line, newest first, with its date and counts', async () => {
    up.github.resetCounts();
    const run = await runCli(['releases', '--limit', '20'], { env: cliEnv(up.github) });
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^TAG\s+PUBLISHED\s+UPDATED\s+ADDED\s+REMOVED$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/))).toEqual(
      newestFirst.map((r) => [
        r.tag,
        published.get(r.tag),
        ...(r.previous_tag
          ? ['updated', 'added', 'removed'].map((k) =>
              String((r.changes ?? []).filter((c) => c.kind === k).length),
            )
          : ['-', '-', '-']),
      ]),
    );
    // One tree per release, no spec read: the catalog knows every version.
    expect(up.github.counts()).toMatchObject({ tree: newestFirst.length, blob: 0, compare: 0 });
  });

  it('--limit and --format json', async () => {
    const run = await runCli(['releases', '-n', '2', '-f', 'json'], { env: cliEnv(up.github) });
    const out = JSON.parse(run.stdout) as {
      tag: string;
      previousTag: string;
      packages: Record<string, number>;
    }[];
    expect(out.map((r) => [r.tag, r.previousTag])).toEqual(
      newestFirst.slice(0, 2).map((r) => [r.tag, r.previous_tag]),
    );
    expect(out[0]!.packages).toEqual({
      updated: kinds('updated'),
      added: kinds('added'),
      removed: 0,
    });
  });

  it('refuses a --limit that is not a count (exit 2)', async () => {
    const run = await runCli(['releases', '--limit', 'lots'], { env: cliEnv(up.github) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '-n, --limit <n>' argument 'lots' is invalid");
  });
});
