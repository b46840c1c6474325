import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSubscription, startApiEnv, type ApiEnv } from '../support/api-env.js';

/**
 * One address-masking rule for every log line: a mail server that refuses a mailbox quotes it
 * in full ("550 mailbox <reject1@example.com> unknown"); the runtime's log, the stored reason
 * and the answer show it masked, the way every other line does.
 */
let env: ApiEnv;
beforeAll(async () => {
  env = await startApiEnv();
});
afterAll(async () => env?.close());

it('a refused mailbox is masked in every log line and in what is stored', async () => {
  const created = await createSubscription(env, 'refused', {
    channels: [{ type: 'email', address: 'reject1@example.com', frequency: 'instant' }],
  });
  const channel = (created.json as { channels: { confirmationMail?: { reason?: string } }[] })
    .channels[0]!;
  expect(channel.confirmationMail?.reason).toMatch(
    /^SMTP 550: .*mailbox <r…@example\.com> unknown/,
  );
  const lines = [...env.warnings, ...env.errors];
  // The refusal was logged (by the sender and by the confirmation), never with the address.
  expect(lines.filter((l) => l.includes('r…@example.com')).length).toBeGreaterThanOrEqual(2);
  expect(lines.join('\n')).not.toContain('reject1@example.com');
  const stored = await env.store.getSubscription((created.json as { id: string }).id);
  const reason = stored?.value.channels[0]?.type === 'email' ? stored.value.channels[0] : undefined;
  expect(JSON.stringify(reason?.confirmationMail)).not.toContain('reject1@');
});
