import { applyFilters } from '../domain/filters.js';
import { createEmailSender, type EmailSender } from '../notify/email/sender.js';
import type { Resolver } from '../security/ssrf.js';
import { composeApiDeps } from '../api/compose.js';
import type { ApiDeps } from '../api/deps.js';
import { detectReleases } from '../services/detect.js';
import { evaluateSubscription, matchStoredInventory } from '../services/evaluate.js';
import type { Runtime } from '../services/runtime.js';

const built = new WeakMap<Runtime, ApiDeps>();
let webhookResolver: Resolver | undefined;

/**
 * Replaces the DNS used to vet webhook hosts, for tests that must not send queries off the
 * machine; undefined restores the system resolver. Applies to runtimes built afterwards.
 */
export function setWebhookResolver(resolve: Resolver | undefined): void {
  webhookResolver = resolve;
}

/**
 * The API's dependencies on the process runtime the pipeline functions use, so the HTTP
 * functions share its store, clock and matching core. Matching goes through the same core
 * and filters as the pipeline, so /matches shows what a notification would say.
 */
export function apiDepsFrom(rt: Runtime): ApiDeps {
  let deps = built.get(rt);
  if (!deps) {
    let sender: EmailSender | undefined;
    deps = composeApiDeps(rt.config, {
      store: rt.store,
      emailSender: () => (sender ??= createEmailSender(rt.config, { log: (m) => rt.log.warn(m) })),
      match: async (changeSet, subscription, name, text) =>
        applyFilters(
          await matchStoredInventory(
            rt,
            await rt.core.release(changeSet),
            subscription,
            name,
            text,
          ),
          subscription.filters,
        ),
      evaluate: (subscription, changeSet) => evaluateSubscription(rt, subscription, changeSet),
      nodeImages: rt.nodeImages,
      detect: () => detectReleases(rt),
      publisher: rt.publisher,
      now: rt.now,
      ...(webhookResolver ? { resolve: webhookResolver } : {}),
    });
    built.set(rt, deps);
  }
  return deps;
}
