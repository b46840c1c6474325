/**
 * The product's side of `npm run bench:scale`, in a process of its own: the local runtime
 * (`npm start`'s, from the environment's settings), driven over IPC by bench/scale.ts. It seeds
 * subscriptions straight into the store (the API would take longer than the run measured),
 * runs detection on cue, and reports the storage operations it made and its peak RSS.
 */
import { randomUUID } from 'node:crypto';
import { startLocalRuntime } from '../src/app/local-runtime.js';
import type { Subscription } from '../src/domain/subscription.js';
import { detectReleases } from '../src/services/detect.js';
import { loadSettings } from '../src/settings.js';
import { storageOperations, storageOperationsByCollection } from '../src/store/operations.js';

export type ScaleRequest =
  | { kind: 'seed'; count: number; sinkUrl: string; inventory: string }
  | { kind: 'detect' }
  | { kind: 'stats' }
  | { kind: 'raw-read' }
  | { kind: 'stop' };

const errors: string[] = [];
const local = await startLocalRuntime(loadSettings(), {
  info: () => undefined,
  warn: () => undefined,
  error: (m) => {
    if (errors.length < 20) errors.push(m);
  },
});
const { store } = local.runtime;
const ids: string[] = [];

async function seed(count: number, sinkUrl: string, inventory: string): Promise<void> {
  const now = new Date().toISOString();
  const one = async (i: number) => {
    const id = randomUUID();
    const sub: Subscription = {
      id,
      name: `pool-${i}`,
      lines: ['3.0'],
      channels: [{ id: 'teams-1', type: 'teams', webhookUrl: `${sinkUrl}/hook/${i}` }],
      filters: {},
      inventoryNames: ['system'],
      inventoryInfo: {
        system: { format: 'rpm-qa', packages: 391, line: '3.0', uploadedAt: now },
      },
      tokenHash: 'bench',
      createdAt: now,
      updatedAt: now,
    };
    await store.createSubscription(sub, [{ name: 'system', content: inventory }]);
    ids.push(id);
  };
  for (let i = 0; i < count; i += 32) {
    await Promise.all(Array.from({ length: Math.min(32, count - i) }, (_, k) => one(i + k)));
  }
}

/** The same inventories read straight from the store, 8 at a time as a shard reads them. */
async function rawRead(): Promise<number> {
  const started = performance.now();
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      await store.getInventory(id, 'system');
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return performance.now() - started;
}

process.on('message', (request: ScaleRequest) => {
  const reply = (value: unknown) => process.send!({ kind: request.kind, value });
  const run = async () => {
    switch (request.kind) {
      case 'seed':
        return seed(request.count, request.sinkUrl, request.inventory);
      case 'detect':
        return (await detectReleases(local.runtime)).map((r) => `${r.tag}: ${r.status}`);
      case 'stats':
        return {
          operations: { ...storageOperations },
          byCollection: { ...storageOperationsByCollection },
          maxRssKb: process.resourceUsage().maxRSS,
          errors,
          pending: local.bus?.pending ?? 0,
        };
      case 'raw-read':
        return rawRead();
      case 'stop':
        await local.stop();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  run().then(reply, (err: unknown) => reply({ error: String(err) }));
});
process.send!({ kind: 'ready', value: local.apiUrl });
