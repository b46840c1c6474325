import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../support/wait.js';
import { ALL_ONCE, FULL, SCALE, Scenario, SUBSCRIPTIONS } from './harness.js';

/**
 * Faulty channels on `npm start`: slow and hung webhooks, a legacy connector that reports an
 * error inside a 200, and a mail server that is down. Each must cost only its own channel:
 * every other message arrives once, about as fast as without the fault, and nothing twice.
 */
const TIMEOUT = FULL ? 600_000 : 60_000;
const FAULTY = 10;
const scenarios: Scenario[] = [];
let faultFreeSeconds = 0;

afterAll(async () => {
  for (const s of scenarios) await s.finish();
});

async function scenario(name: string, env: Record<string, string> = {}): Promise<Scenario> {
  const s = await Scenario.create(name, env);
  scenarios.push(s);
  await s.subscribe();
  await s.baseline();
  return s;
}

/** When the last message on a channel without a fault arrived: every email, the other webhooks. */
const healthySeconds = (s: Scenario, faulty: Set<string>) =>
  s.drainSeconds(
    s.subs.filter((sub) => !faulty.has(sub.webhookPath)),
    s.subs,
  );

describe.sequential('chaos: faulty channels', () => {
  it(
    'without faults, every channel gets its message once',
    async () => {
      const s = await scenario('fault-free');
      await s.release();
      faultFreeSeconds = await s.drain();
      const tally = await s.tally();
      expect(tally.teams).toEqual(ALL_ONCE);
      expect(tally.email).toEqual(ALL_ONCE);
      expect(await s.deadLetters()).toEqual([]);
      await s.record({ ...tally, drainSeconds: faultFreeSeconds, notes: 'the reference time' });
    },
    TIMEOUT,
  );

  it(
    `webhooks answering after ${SCALE.slowMs / 1000} s get the card once; the others finish as fast as without them`,
    async () => {
      const s = await scenario('slow-webhooks');
      const slow = new Set(s.subs.slice(0, FAULTY).map((sub) => sub.webhookPath));
      for (const path of slow) s.sinks.teams.behave(path, { delayMs: SCALE.slowMs });
      await s.release();
      const drain = await s.drain();
      const tally = await s.tally();
      expect(tally.teams.once).toBe(SUBSCRIPTIONS);
      expect(tally.email.once).toBe(SUBSCRIPTIONS);
      expect(tally.teams.duplicated + tally.email.duplicated).toBe(0);
      // Counted at the sink: each slow webhook was posted to exactly once.
      for (const path of slow) expect(s.sinks.teams.countByPath().get(path)).toBe(1);
      const healthy = healthySeconds(s, slow);
      expect(healthy).toBeLessThanOrEqual(faultFreeSeconds + 2);
      await s.record({
        ...tally,
        drainSeconds: drain,
        notes: `${FAULTY} webhooks answer after ${SCALE.slowMs / 1000} s; healthy channels done in ${healthy} s`,
      });
    },
    TIMEOUT,
  );

  it(
    'webhooks that never answer are posted to once, then uncertain and dead-lettered; the others are not held up',
    async () => {
      const s = await scenario('hung-webhooks', {
        WEBHOOK_TIMEOUT_SECONDS: String(SCALE.hungTimeoutSeconds),
      });
      const hung = s.subs.slice(0, FAULTY);
      const paths = new Set(hung.map((sub) => sub.webhookPath));
      for (const path of paths) s.sinks.teams.behave(path, { hang: true });
      await s.release();
      const drain = await s.drain();
      // The posts arrived at once; the outcome is known only when the timeout says so.
      await until(
        async () => (await s.deadLetters('uncertain')).length >= FAULTY,
        'the uncertain dead letters',
        (SCALE.hungTimeoutSeconds + 30) * 1000,
      );
      const resolvedSeconds = Math.round((performance.now() - s.detectedAt) / 100) / 10;
      const tally = await s.tally();
      expect(tally.teams).toMatchObject({
        once: SUBSCRIPTIONS,
        duplicated: 0,
        lost: 0,
        uncertain: FAULTY,
        uncertainArrived: FAULTY,
      });
      expect(tally.email).toMatchObject({ once: SUBSCRIPTIONS, uncertain: 0 });
      const letters = await s.deadLetters('uncertain');
      expect(letters.map((l) => l.key).sort()).toEqual(hung.map((h) => s.key(h, 'teams-1')).sort());
      for (const l of letters) expect(l.reason).toMatch(/timed out .*after the message was sent/);
      const healthy = healthySeconds(s, paths);
      expect(healthy).toBeLessThanOrEqual(faultFreeSeconds + 2);
      await s.record({
        ...tally,
        drainSeconds: drain,
        notes: `${FAULTY} webhooks never answer (timeout ${SCALE.hungTimeoutSeconds} s): 1 post each, all ${FAULTY} dead-lettered as uncertain by ${resolvedSeconds} s; healthy channels done in ${healthy} s`,
      });
    },
    TIMEOUT,
  );

  it(
    'a legacy connector reporting "HTTP error 404" inside a 200: one notice to the email, at most two posts',
    async () => {
      const s = await scenario('legacy-error-body');
      const broken = s.subs[0]!;
      s.sinks.teams.behave(broken.webhookPath, {
        status: 200,
        body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 404 with ContextId tcid=0,server=msgapi-production-weu-azsc2-4-22,cv=x.',
      });
      await s.release();
      const drain = await s.drain();
      const tally = await s.tally();
      expect(tally.email.once).toBe(SUBSCRIPTIONS);
      expect(tally.teams.duplicated).toBe(0);
      const notices = () =>
        s.sinks.smtp.mails.filter(
          (m) => m.to.includes(broken.email) && /stopped working/.test(m.text),
        );
      await new Promise((r) => setTimeout(r, SCALE.quietMs));
      expect(notices()).toHaveLength(1);
      expect(notices()[0]?.text).toContain('HTTP error 404');
      expect(s.sinks.teams.countByPath().get(broken.webhookPath)).toBeLessThanOrEqual(2);
      const failed = await s.deadLetters('failed');
      expect(failed.map((l) => l.key)).toEqual([s.key(broken, 'teams-1')]);
      const res = await s.product.call(`subscriptions/${broken.id}`, { token: broken.token });
      const view = (await res.json()) as { channels: { type: string; unhealthy?: unknown }[] };
      expect(view.channels.find((c) => c.type === 'teams')?.unhealthy).toBeDefined();
      await s.record({
        ...tally,
        drainSeconds: drain,
        notes: `1 connector answers 200 + "HTTP error 404": ${s.sinks.teams.countByPath().get(broken.webhookPath)} post(s), ${notices().length} notice mail, channel marked unhealthy`,
      });
    },
    TIMEOUT,
  );

  it(
    `SMTP down for ${SCALE.smtpDownMs / 1000} s: Teams is not held up; every mail arrives once after it is back`,
    async () => {
      const s = await scenario('smtp-down');
      await s.sinks.smtp.down();
      await s.release();
      // Teams finishes while mail is down.
      await new Promise((r) =>
        setTimeout(r, Math.min(SCALE.smtpDownMs, (faultFreeSeconds + 2) * 1000)),
      );
      const teamsSeconds = s.drainSeconds(s.subs, []);
      expect(s.subs.every((sub) => s.teamsArrivals(sub).length === 1)).toBe(true);
      const left = SCALE.smtpDownMs - (performance.now() - s.detectedAt);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      await s.sinks.smtp.up();
      const drain = await s.drain(s.subs, FULL ? 300_000 : 60_000);
      const tally = await s.tally();
      expect(tally.teams.once).toBe(SUBSCRIPTIONS);
      expect(tally.email).toMatchObject({
        once: SUBSCRIPTIONS,
        duplicated: 0,
        lost: 0,
        uncertain: 0,
      });
      expect(teamsSeconds).toBeLessThanOrEqual(faultFreeSeconds + 2);
      await s.record({
        ...tally,
        drainSeconds: drain,
        notes: `mail server refuses connections for ${SCALE.smtpDownMs / 1000} s; Teams done in ${teamsSeconds} s; mail retried on Event Grid's schedule (the bus's first steps ${SCALE.env.LOCAL_BUS_RETRY_BASE_MS ? `${Number(SCALE.env.LOCAL_BUS_RETRY_BASE_MS) / 1000} s ×1, ×3, ×6` : '10 s, 30 s, 1 min'}) and delivered at the first retry after it was back`,
      });
    },
    FULL ? 600_000 : 90_000,
  );
});
