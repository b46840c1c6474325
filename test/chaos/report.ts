import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import type { ScenarioRow, Tally } from './harness.js';

/**
 * Global setup of the chaos run: clears the rows of the last run, and after the run prints
 * the scenario table, the one bench/CHAOS.md keeps (CHAOS_REPORT names the file to write).
 */
const ROWS = path.join(import.meta.dirname, '..', '..', 'test-results', 'chaos');
const ORDER = [
  'fault-free',
  'slow-webhooks',
  'hung-webhooks',
  'legacy-error-body',
  'smtp-down',
  'sigint-after-delivery',
  'sigint-mid-fan-out',
  'sigkill-mid-fan-out',
  'sigkill-after-delivery',
];

export async function setup(): Promise<() => Promise<void>> {
  await rm(ROWS, { recursive: true, force: true });
  await mkdir(ROWS, { recursive: true });
  return async () => {
    const rows: ScenarioRow[] = [];
    for (const file of await readdir(ROWS)) {
      rows.push(JSON.parse(await readFile(path.join(ROWS, file), 'utf8')) as ScenarioRow);
    }
    if (rows.length === 0) return;
    rows.sort((a, b) => rank(a.scenario) - rank(b.scenario));
    const table = renderTable(rows);
    console.log(`\n${table}`);
    const file = process.env.CHAOS_REPORT;
    if (file) {
      // Formatted as the repository's format check wants it.
      const options = (await prettier.resolveConfig(file)) ?? {};
      await writeFile(file, await prettier.format(report(table), { ...options, filepath: file }));
    }
  };
}

const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);

const cell = (t: Tally) =>
  `${t.once} / ${t.lost} / ${t.duplicated} / ${t.uncertain}${t.uncertain ? ` (${t.uncertainArrived} arrived)` : ''}`;

export function renderTable(rows: ScenarioRow[]): string {
  const lines = [
    '| Scenario | Subscriptions | Teams: once / lost / duplicated / uncertain | Email: once / lost / duplicated / uncertain | Drain (s) | Notes |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.subscriptions} | ${cell(r.teams)} | ${cell(r.email)} | ${r.drainSeconds} | ${r.notes} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function report(table: string): string {
  return [
    '# Chaos scenarios on `npm start`',
    '',
    `Measured by \`npm run bench:chaos\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}).`,
    'Each scenario is the real product (`node dist/src/app/start-local.js`, embedded SQLite store,',
    'local event bus with its default settings) as the leader of its own process group, 40',
    'subscriptions with one Teams webhook and one confirmed instant email each, the real May 2026',
    'release (3.0.20260429-3.0) against the AKS gen2 node image, a loopback Teams sink and a real',
    'SMTP server. Faults are injected at those sinks or by signalling the whole group.',
    '',
    'Counts come from the sinks only: Teams posts per webhook path, release mails per recipient.',
    '`once / lost / duplicated / uncertain` per channel: `uncertain` are the channels the product',
    'dead-lettered with outcome `uncertain` (GET /api/ops/dead-letters), and how many of those',
    'did reach the sink; `lost` is a channel that got nothing and has no such dead letter.',
    'Drain: seconds from the detection that published the release to the last release message',
    'reaching a sink (restarts included).',
    '',
    table,
    'Times come from a shared 2-core machine and move by a second or so between runs. The same',
    'scenarios, at a smaller scale (webhooks answering after 3 s, a 2 s webhook timeout, SMTP down',
    'for 2 s, the bus retrying in fifths of a second), run in CI as `npm run test:chaos`;',
    '`AZL_PRODUCT_COMMAND="npm start"` runs either through npm itself, as a terminal would.',
    '',
  ].join('\n');
}
