import { describe, expect, test } from 'vitest';
import {
  TEAMS_PAYLOAD_LIMIT_BYTES,
  buildReleaseCard,
  payloadBytes,
  toTeamsMessage,
} from '../../../../src/notify/teams/card.js';
import type { AdaptiveCard } from '../../../../src/notify/teams/card.js';
import { validateCard } from '../../../helpers/validate-card.js';
import { GEN2_CASE, answerKeyFiles, readAnswerKey } from '../../../support/fixtures.js';
import {
  contextFor,
  matchResultFromAnswerKey,
  syntheticMatch,
} from '../../../helpers/notify-fixtures.js';

const cardText = (card: AdaptiveCard): string => JSON.stringify(card);
const actionUrls = (card: AdaptiveCard): string[] =>
  [...cardText(card).matchAll(/"type":"Action\.OpenUrl","title":"[^"]*","url":"([^"]+)"/g)].map(
    (m) => m[1] ?? '',
  );

describe('Teams release card for every answer key', () => {
  for (const file of answerKeyFiles()) {
    test(file, () => {
      const key = readAnswerKey(file);
      const ctx = contextFor(matchResultFromAnswerKey(file));
      const card = buildReleaseCard(ctx);

      expect(validateCard(card)).toEqual([]);
      expect(payloadBytes(card)).toBeLessThan(TEAMS_PAYLOAD_LIMIT_BYTES);

      const text = cardText(card);
      expect(text).toContain(key.release);
      for (const a of key.affected) {
        expect(text).toContain(a.package);
        expect(text).toContain(`${a.installed} → ${a.available}`);
        for (const cve of a.cves) expect(text).toContain(cve);
      }
      expect(text).not.toContain('more packages');
    });
  }
});

test('the gen2 × 3.0.20260429-3.0 card groups same-version rows and links what to do next', () => {
  const result = matchResultFromAnswerKey(GEN2_CASE);
  const card = buildReleaseCard(contextFor(result));
  const text = cardText(card);
  // Seven systemd-* binaries move 255-26 → 255-27 together: one row naming all seven.
  expect(text).toContain('systemd (7 packages)');
  expect(text.match(/255-26\.azl3 → 255-27\.azl3/g)).toHaveLength(1);

  const urls = actionUrls(card);
  expect(urls).toContain('https://github.com/microsoft/azurelinux/releases/tag/3.0.20260429-3.0');
  expect(urls).toContain(
    'https://github.com/microsoft/azurelinux/compare/3.0.20260414-3.0...3.0.20260429-3.0',
  );
  expect(urls).toContain('https://learn.microsoft.com/azure/aks/node-image-upgrade');
  // The worst CVEs, as the security PR titles rate them (all HIGH), get NVD buttons.
  const nvd = urls.filter((u) => u.startsWith('https://nvd.nist.gov/vuln/detail/CVE-'));
  expect(nvd.length).toBeGreaterThan(0);
  expect(nvd).toContain('https://nvd.nist.gov/vuln/detail/CVE-2026-40164'); // jq [HIGH]
});

test('the Teams message wraps the card exactly as Workflows expects', () => {
  const card = buildReleaseCard(contextFor(matchResultFromAnswerKey(GEN2_CASE)));
  expect(toTeamsMessage(card)).toEqual({
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  });
});

test('400 affected packages truncate cleanly under 28 KB with a link to the full list', () => {
  const ctx = contextFor(syntheticMatch(400));
  const card = buildReleaseCard(ctx);
  expect(validateCard(card)).toEqual([]);
  const bytes = payloadBytes(card);
  expect(bytes).toBeLessThan(TEAMS_PAYLOAD_LIMIT_BYTES);

  const more = /\+(\d+) more packages/.exec(cardText(card));
  expect(more).not.toBeNull();
  const shownPackages = new Set(cardText(card).match(/synthetic-package-\d{3}-libs/g)).size;
  // Every package is either on the card or counted in "+N more".
  expect(shownPackages + Number(more?.[1])).toBe(400);
  expect(shownPackages).toBeGreaterThan(10);
  expect(actionUrls(card)).toContain(ctx.links.fullList);
});

test('the validator reports what Workflows would not render', () => {
  const card = buildReleaseCard(contextFor(matchResultFromAnswerKey(GEN2_CASE)));
  const broken = structuredClone(card) as unknown as {
    version: string;
    body: unknown[];
    actions: unknown[];
  };
  broken.version = '1.5';
  broken.body.push({ type: 'Table', columns: [], rows: [] });
  broken.actions = [{ type: 'Action.Submit', title: 'Ack' }];
  const problems = validateCard(broken as unknown as AdaptiveCard);
  expect(problems.some((p) => p.includes('version'))).toBe(true);
  expect(problems.some((p) => p.includes('Table'))).toBe(true);
  expect(problems.some((p) => p.includes('Action.Submit'))).toBe(true);
});

test('the card carries what is still missing from earlier releases, compactly, and the inventory age', () => {
  const key = readAnswerKey(GEN2_CASE);
  const result = matchResultFromAnswerKey(GEN2_CASE);
  const basis = 'Based on inventory nodepool-system, uploaded 94 days ago.';
  const card = buildReleaseCard({ ...contextFor(result), basis });
  const text = cardText(card);
  const behind = key.behind.filter((b) => !b.changed_in_release);
  const behindCves = new Set(behind.flatMap((b) => b.cves));
  expect(text).toContain(
    `Still missing from earlier releases: ${behind.length} packages (${behindCves.size} CVEs`,
  );
  expect(text).toContain(`${behind.length} more still missing from earlier releases.`);
  expect(text).toContain(basis);
  // Five source packages at most, the rest behind "+N more": binutils, curl, util-linux, xz,
  // libcap are the five sources here, so all show and nothing is hidden.
  for (const source of new Set(behind.map((b) => b.source_package))) {
    expect(text).toContain(`${source}: `);
  }
  // The headline counts what this release fixes for the node: 19, not the 28 the release
  // names (containerd2's rebase entry repeats 9 CVEs the node already had).
  const releaseCves = new Set(key.affected.flatMap((a) => a.cves)).size;
  expect(releaseCves).toBe(19);
  expect(text).toContain(
    `${key.affected.length} installed packages updated by this release, ${releaseCves} CVEs fixed.`,
  );
  expect(validateCard(card)).toEqual([]);
});

test('a long behind list ends with "+N more in the full list"', () => {
  const base = matchResultFromAnswerKey(GEN2_CASE);
  const many = syntheticMatch(40);
  const card = buildReleaseCard(
    contextFor({ ...base, behind: many.affected, summary: { ...base.summary, behind: 40 } }),
  );
  expect(cardText(card)).toMatch(/\+35 more in the full list/);
  expect(payloadBytes(card)).toBeLessThan(TEAMS_PAYLOAD_LIMIT_BYTES);
});

test('a node pool card says which node image carries the fixes, and how to move to it', () => {
  const result = {
    ...matchResultFromAnswerKey(GEN2_CASE),
    nodeImages: [
      {
        image: 'AKSAzureLinux-V3gen2-202604.13.0',
        upgradeTo: { nodeImage: '202605.14.0', covers: 34, of: 34 },
        newest: '202608.20.0',
      },
    ],
  };
  const text = cardText(buildReleaseCard(contextFor(result)));
  expect(text).toContain('Node image 202605.14.0 has all 34 fixes:');
  expect(text).toContain(
    'az aks nodepool upgrade --node-image-only -g <rg> --cluster-name <cluster> -n <pool>',
  );
  const none = {
    ...result,
    nodeImages: [{ ...result.nodeImages[0]!, upgradeTo: null }],
  };
  const noneText = cardText(buildReleaseCard(contextFor(none)));
  expect(noneText).toContain('No published node image has these fixes yet (newest: 202608.20.0).');
  expect(noneText).toContain('https://releases.aks.azure.com');
});
