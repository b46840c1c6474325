/**
 * `npm run bench:pages`: what the signed-link pages weigh and how fast the overview answers,
 * on the local runtime over Azurite with the real gen2 inventory and release.
 *
 * - Weight: the bytes of the overview's and a release page's HTML, and of the one stylesheet,
 *   as served (and gzipped, as a host that compresses would send them).
 * - Time to first byte of the overview against `GET /api/health` in the same run, the two
 *   interleaved so both see the same machine load. These machines are shared and noisy, so
 *   the ratio is the number to compare between commits, not the milliseconds.
 *
 * It runs under vitest (like bench:chaos) because it stands on the test support: Azurite,
 * the SMTP capture, the fake GitHub the matching reads specs from. BENCH_REPORT=<file>
 * writes the table there as Markdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  api,
  createSubscription,
  startApiEnv,
  storeRecordedRelease,
  type ApiEnv,
} from '../test/support/api-env.js';

const TAG = '3.0.20260429-3.0';
const WARMUP = 5;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const GEN2 = readFileSync(
  new URL(
    '../test/fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt',
    import.meta.url,
  ),
  'utf8',
);

let env: ApiEnv;
beforeAll(async () => {
  env = await startApiEnv({ linksToSelf: true });
  await storeRecordedRelease(env.store, TAG);
});
afterAll(async () => env?.close());

/** Milliseconds until the status line and headers arrived (fetch resolves then), and the body. */
async function timed(url: string, cookie?: string): Promise<{ ttfb: number; body: string }> {
  const started = performance.now();
  const res = await fetch(url, cookie ? { headers: { cookie } } : {});
  const ttfb = performance.now() - started;
  const body = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  return { ttfb, body };
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

const weight = (body: string) => ({
  bytes: Buffer.byteLength(body),
  gzip: gzipSync(body).length,
});

it('measures page weights and the overview time to first byte against /api/health', async () => {
  const created = await createSubscription(env, 'aks-prod-weu', {
    inventories: [{ name: 'nodepool-system', content: GEN2 }],
  });
  const { id, token } = created.json as { id: string; token: string };

  // The card's "Manage subscription" link, exchanged for the session cookie as a browser does.
  const preview = await api(env, 'GET', `/api/subscriptions/${id}/preview?channel=teams`, {
    token,
  });
  const manage = new RegExp(`${env.url}/s/${id}\\?token=[A-Za-z0-9_.-]+`).exec(preview.text)?.[0];
  expect(manage, preview.text).toBeDefined();
  const entered = await fetch(manage!);
  const cookie = entered.headers.getSetCookie()[0]?.split(';')[0];
  expect(cookie).toMatch(/^azl_session=/);

  const overviewUrl = `${env.url}/s/${id}`;
  const healthUrl = `${env.url}/api/health`;
  const overview = await timed(overviewUrl, cookie);
  const release = await timed(`${overviewUrl}/releases/${TAG}`, cookie);
  const href = /href="(\/assets\/pages\.css[^"]*)"/.exec(overview.body)?.[1];
  expect(href).toBeDefined();
  const css = await timed(`${env.url}${href}`);

  const ttfb = { overview: [] as number[], health: [] as number[] };
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    // Alternate which goes first, so neither always finds the other's work just done.
    const order =
      i % 2 === 0 ? (['overview', 'health'] as const) : (['health', 'overview'] as const);
    for (const which of order) {
      const { ttfb: ms } =
        which === 'overview' ? await timed(overviewUrl, cookie) : await timed(healthUrl);
      if (i >= WARMUP) ttfb[which].push(ms);
    }
  }

  const w = {
    overview: weight(overview.body),
    release: weight(release.body),
    css: weight(css.body),
  };
  const med = { overview: quantile(ttfb.overview, 0.5), health: quantile(ttfb.health, 0.5) };
  const p90 = { overview: quantile(ttfb.overview, 0.9), health: quantile(ttfb.health, 0.9) };
  const fmt = (ms: number) => ms.toFixed(1);
  const report = [
    `# Page weights and overview time to first byte`,
    ``,
    `\`npm run bench:pages\` on ${new Date().toISOString().slice(0, 10)}: local runtime over Azurite,`,
    `one subscription (Teams + email, the real gen2 inventory of 391 packages), release ${TAG}.`,
    ``,
    `| Page                          | HTML bytes | gzip | + CSS bytes (gzip) | Total bytes |`,
    `| ----------------------------- | ---------: | ---: | -----------------: | ----------: |`,
    `| Overview \`/s/{id}\`            | ${w.overview.bytes} | ${w.overview.gzip} | ${w.css.bytes} (${w.css.gzip}) | ${w.overview.bytes + w.css.bytes} |`,
    `| Release \`/s/{id}/releases/{tag}\` | ${w.release.bytes} | ${w.release.gzip} | ${w.css.bytes} (${w.css.gzip}) | ${w.release.bytes + w.css.bytes} |`,
    ``,
    `The stylesheet is fetched once and cached for a year (content-hashed URL); no page loads`,
    `anything else (no script, font or image).`,
    ``,
    `| Time to first byte, ${ROUNDS} rounds interleaved | median ms | p90 ms |`,
    `| --------------------------------------- | --------: | -----: |`,
    `| \`GET /api/health\`                      | ${fmt(med.health)} | ${fmt(p90.health)} |`,
    `| \`GET /s/{id}\` (overview, with session) | ${fmt(med.overview)} | ${fmt(p90.overview)} |`,
    `| ratio overview / health                 | ${(med.overview / med.health).toFixed(1)}× | ${(p90.overview / p90.health).toFixed(1)}× |`,
    ``,
  ].join('\n');
  console.log(report);
  if (process.env.BENCH_REPORT) writeFileSync(process.env.BENCH_REPORT, report);

  expect(w.overview.bytes).toBeGreaterThan(1000);
  expect(overview.body).toContain(TAG);
  expect(release.body).toContain('containerd2');
});
