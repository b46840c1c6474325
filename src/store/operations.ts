/**
 * Storage operations this process has made, by kind: every read, write, delete and listing
 * of a document, whichever adapter serves it (counted in `Documents`, src/store/documents.ts).
 * Each one is a billed round trip against Blob Storage, so benches count them
 * (`npm run bench:scale`); a listing counts once, however many pages it took.
 */
export const storageOperations = { reads: 0, writes: 0, deletes: 0, lists: 0 };

/** The same operations by collection (releases, subscriptions, ledger, localbus, ...). */
export const storageOperationsByCollection: Record<string, number> = {};

export type StorageOperation = keyof typeof storageOperations;

export function totalStorageOperations(): number {
  const { reads, writes, deletes, lists } = storageOperations;
  return reads + writes + deletes + lists;
}
