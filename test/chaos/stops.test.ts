import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_ONCE, FULL, SCALE, Scenario, SUBSCRIPTIONS } from './harness.js';

/**
 * `npm start` stopped the ways operators stop it: Ctrl-C (SIGINT to the whole process group)
 * and `kill -9 -<pgid>`, in the middle of the fan-out and right after it, then started again
 * on the same DATA_DIR. Nothing acknowledged may be lost, nothing sent twice; a send cut
 * short by SIGKILL may only be `uncertain`, and then visibly dead-lettered.
 */
const TIMEOUT = FULL ? 600_000 : 60_000;
/** 30% of the way through the fan-out, counted at the Teams sink. */
const AT = Math.round(SUBSCRIPTIONS * 0.3);
const scenarios: Scenario[] = [];

afterAll(async () => {
  for (const s of scenarios) await s.finish();
});

async function scenario(name: string): Promise<Scenario> {
  const s = await Scenario.create(name);
  scenarios.push(s);
  await s.subscribe();
  await s.baseline();
  return s;
}

/** After a restart: detection finds nothing new, and in a quiet spell nothing is sent again. */
async function detectAgainSendsNothing(s: Scenario) {
  expect(await s.product.detect()).toEqual([]);
  await new Promise((r) => setTimeout(r, SCALE.quietMs));
  const tally = await s.tally();
  expect(tally.teams).toEqual(ALL_ONCE);
  expect(tally.email).toEqual(ALL_ONCE);
  return tally;
}

/**
 * Stops the group with `signal` as the sink receives the AT-th card, before it answers.
 * Resolves, once the product has exited, with the seconds it took to exit.
 */
function stopAtArrival(s: Scenario, signal: NodeJS.Signals): Promise<number> {
  const product = s.product;
  return new Promise((resolve) => {
    let fired = false;
    s.sinks.teams.onArrival((_arrival, total) => {
      if (fired || total < AT) return;
      fired = true;
      const at = performance.now();
      product.signalGroup(signal);
      void product.exited().then(() => resolve(Math.round((performance.now() - at) / 100) / 10));
    });
  });
}

describe.sequential('chaos: stopping the process group', () => {
  it(
    'Ctrl-C right after delivery: after a restart and another detection no card is sent twice, and subscriptions created just before the Ctrl-C survive',
    async () => {
      const s = await scenario('sigint-after-delivery');
      await s.release();
      await s.drain();
      const before = s.product;
      // Acknowledged (201) an instant before the Ctrl-C.
      const late: { id: string; token: string }[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await before.call('subscriptions', {
          body: {
            name: `late-${i}`,
            lines: ['3.0'],
            channels: [{ type: 'teams', webhookUrl: `${s.sinks.teams.url}/late/${i}` }],
          },
        });
        expect(res.status).toBe(201);
        late.push((await res.json()) as { id: string; token: string });
      }
      before.signalGroup('SIGINT');
      await before.exited();
      expect(before.output).toContain('SIGINT: stopping after the running deliveries');

      // The store holds webhook URLs (credentials): owner-only, like the admin key.
      expect(statSync(path.join(s.dataDir, 'state.db')).mode & 0o777).toBe(0o600);
      const after = await s.start();
      for (const { id, token } of late) {
        expect((await after.call(`subscriptions/${id}`, { token })).status).toBe(200);
      }
      await s.record({
        ...(await detectAgainSendsNothing(s)),
        drainSeconds: s.drainSeconds(),
        notes: `SIGINT to the group after delivery, restart, detect again; ${late.length} of ${late.length} subscriptions created just before the SIGINT survived`,
      });
    },
    TIMEOUT,
  );

  it(
    'Ctrl-C mid fan-out (30%): it stops after the running sends, and a restart delivers the rest, nothing twice',
    async () => {
      const s = await scenario('sigint-mid-fan-out');
      const stopping = stopAtArrival(s, 'SIGINT');
      const stopped = s.product;
      await s.release();
      const stopSeconds = await stopping;
      expect(stopped.output).toContain('SIGINT: stopping after the running deliveries');
      const sentBefore = s.sinks.teams.arrivals.length;
      expect(sentBefore).toBeLessThan(SUBSCRIPTIONS);

      const after = await s.start();
      expect(after.output).toMatch(/local bus \([1-9]\d* pending deliveries resumed\)/);
      // It waited for the running sends: nothing was cut short.
      expect(after.output).not.toContain('Interrupted');
      const drain = await s.drain();
      const tally = await s.tally();
      expect(tally.teams).toEqual(ALL_ONCE);
      expect(tally.email).toEqual(ALL_ONCE);
      await s.record({
        ...tally,
        drainSeconds: drain,
        notes: `SIGINT to the group at the ${AT}th card; it exited ${stopSeconds} s later, after the running sends (${sentBefore} Teams posts in all); restart`,
      });
    },
    TIMEOUT,
  );

  it(
    'kill -9 of the group mid fan-out (30%): the rest is delivered after a restart, nothing twice, only the sends in flight uncertain and dead-lettered',
    async () => {
      const s = await scenario('sigkill-mid-fan-out');
      const stopping = stopAtArrival(s, 'SIGKILL');
      const killed = s.product;
      await s.release();
      await stopping;
      expect(killed.child.signalCode).toBe('SIGKILL');
      const sentBefore = s.sinks.teams.arrivals.length;

      const after = await s.start();
      const interrupted = Number(/Interrupted\s+(\d+) sends/.exec(after.output)?.[1] ?? 0);
      expect(interrupted).toBeGreaterThan(0);
      const drain = await s.drain();
      const tally = await s.tally();
      for (const t of [tally.teams, tally.email]) {
        expect(t.duplicated).toBe(0);
        expect(t.lost).toBe(0);
        expect(t.once + t.uncertain - t.uncertainArrived).toBe(SUBSCRIPTIONS);
      }
      // The card the sink held when the group died did arrive: it is among the uncertain.
      expect(tally.teams.uncertainArrived).toBeGreaterThan(0);
      const uncertain = await s.deadLetters('uncertain');
      expect(uncertain).toHaveLength(interrupted);
      expect(uncertain.length).toBeLessThanOrEqual(2 * 32); // at most what can be in flight
      for (const l of uncertain) expect(l.reason).toMatch(/stopped before recording/);
      await s.record({
        ...tally,
        drainSeconds: drain,
        notes: `SIGKILL to the group at the ${AT}th card (${sentBefore} Teams posts before), restart; ${interrupted} sends in flight resolved as uncertain and dead-lettered at start-up`,
      });
    },
    TIMEOUT,
  );

  it(
    'kill -9 of the group right after delivery: a restart and another detection send nothing again',
    async () => {
      const s = await scenario('sigkill-after-delivery');
      await s.release();
      await s.drain();
      await s.product.stop('SIGKILL');
      await s.start();
      await s.record({
        ...(await detectAgainSendsNothing(s)),
        drainSeconds: s.drainSeconds(),
        notes: 'SIGKILL to the group after delivery, restart, detect again',
      });
    },
    TIMEOUT,
  );
});
