import type { Store } from '../store/store.js';

export type { StoredInventory, Versioned } from '../store/store.js';
export type { ReleaseRecord } from '../store/records.js';

/** The slice of the pipeline's Store the API uses: handlers depend on no more than this. */
export type ApiStore = Pick<
  Store,
  | 'getRelease'
  | 'listReleaseTags'
  | 'createSubscription'
  | 'getSubscription'
  | 'replaceSubscription'
  | 'deleteSubscription'
  | 'getInventory'
  | 'putInventory'
  | 'deleteInventory'
  | 'listDeadLetters'
  | 'getCursor'
  | 'getLedger'
  | 'enqueueDigest'
  | 'getRateWindow'
  | 'saveRateWindow'
  | 'getIdempotency'
  | 'saveIdempotency'
  | 'markConfirmationsPending'
  | 'listPendingConfirmations'
  | 'clearConfirmationsPending'
>;
