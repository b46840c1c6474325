/**
 * The deployment's storage as a release session's store (src/services/session-store.ts): the
 * git objects the detector already read, the OVAL feed it keeps current, the AgentBaker
 * listings it polls, and what `check --server` computed before (listings, change sets, spec
 * trees) under names of its own. Every check a deployment answers reads GitHub at most for
 * what no earlier one needed, so its answers come from warm state.
 */
import { packageVersion } from '../package-info.js';
import type { Store } from '../store/store.js';
import type { OvalFeedStorage } from './oval-feed.js';
import type { Keyed, SessionStore } from './session-store.js';
import { parsedSpecsInMemory } from './spec-library.js';

export function storeSessionStore(
  store: Pick<Store, 'gitObjects' | 'getFeed' | 'putFeed'>,
  shared: { oval: OvalFeedStorage; nodeImageListingName: (dir: string) => string },
): SessionStore {
  const feed = <K, T>(nameOf: (key: K) => string): Keyed<K, T> => ({
    get: (key) => store.getFeed<T>(nameOf(key)),
    put: (key, value) => store.putFeed(nameOf(key), value),
  });
  return {
    blobs: store.gitObjects,
    // Not in storage: the specs are there already, and a facts document per spec version
    // would be thousands of small writes for one parse each.
    parsedSpecs: parsedSpecsInMemory(),
    oval: shared.oval,
    releases: feed((which) => `check-releases-${which}`),
    // A newer parser may read the same specs better: the version is part of the name.
    changeSets: feed(
      ({ tag, previous }) => `check-changeset-${tag}-${previous ?? 'none'}-${packageVersion}`,
    ),
    tagSpecs: feed((tag) => `check-tag-specs-${tag}`),
    nodeImageListings: feed(shared.nodeImageListingName),
  };
}
