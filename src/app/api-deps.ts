import { composeApiDeps } from '../api/compose.js';
import type { ApiDeps } from '../api/deps.js';
import { applyFilters } from '../domain/filters.js';
import { createEmailSender, type EmailSender } from '../notify/email/sender.js';
import type { Resolver } from '../security/ssrf.js';
import { detectAll } from '../services/detect-all.js';
import {
  evaluateSubscription,
  matchStoredInventory,
  storedInventory,
} from '../services/evaluate.js';
import type { Runtime } from '../services/runtime.js';
import { readWatch } from '../services/watch-clusters.js';
import { watchedPools } from '../services/watched-pools.js';
import type { Settings } from '../settings.js';

/**
 * The API's dependencies on the runtime the pipeline functions use, so the HTTP functions
 * share its store, clock and matching core. Matching goes through the same core and filters
 * as the pipeline, so /matches shows what a notification would say. `resolve` replaces the
 * DNS used to vet webhook hosts (tests must not send queries off the machine).
 */
export function apiDepsOn(rt: Runtime, settings: Settings, resolve?: Resolver): ApiDeps {
  let sender: EmailSender | undefined;
  return composeApiDeps(settings, {
    store: rt.store,
    emailSender: () =>
      (sender ??= createEmailSender(settings.email, settings.identity, {
        log: (m) => rt.log.warn(m),
      })),
    match: async (changeSet, subscription, name) => {
      const stored = await storedInventory(rt, subscription, name);
      if (!stored) return undefined;
      const release = await rt.core.release(changeSet);
      const result = await matchStoredInventory(rt, release, subscription, name, stored);
      return applyFilters(result, subscription.filters);
    },
    evaluate: (subscription, changeSet) => evaluateSubscription(rt, subscription, changeSet),
    nodeImages: rt.nodeImages,
    watches: {
      read: (target) => readWatch(rt.aks, target),
      view: (subscription) => watchedPools(rt, subscription),
    },
    checks: rt.checks,
    detect: () => detectAll(rt),
    publisher: rt.publisher,
    now: rt.now,
    ...(resolve ? { resolve } : {}),
  });
}
