import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../settings.js';
import { blobDocuments } from '../store/blob-documents.js';
import { createBlobServiceClient } from '../store/blob-service.js';
import { BlobStore } from '../store/blob-store.js';
import type { DocumentsFactory } from '../store/documents.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { startAzurite } from './azurite.js';
import { forgetAzurite, recordAzurite, waitForPreviousAzurite } from './azurite-lock.js';

export type StorageDescription =
  | { kind: 'sqlite'; file: string }
  | { kind: 'azurite'; blobUrl: string; dataDir: string }
  | { kind: 'configured' };

export interface LocalStorage {
  store: Store;
  /** Collections beside the store's own, in the same backend (the local bus keeps its queue there). */
  documents: DocumentsFactory;
  description: StorageDescription;
  /**
   * True when this process is the only one using the storage (the SQLite file is locked), so
   * a claim found at start-up can only have been left by a process that is gone.
   */
  exclusive: boolean;
  /** Releases the storage; call once, after everything that writes to it has stopped. */
  close(): Promise<void>;
}

/**
 * The local runtime's storage. Configured storage (AzureWebJobsStorage, STORAGE_ACCOUNT_URL)
 * wins; otherwise LOCAL_STORAGE picks the embedded SQLite file (the default: it survives any
 * stop, see src/store/sqlite-documents.ts) or an Azurite child process.
 */
export async function openLocalStorage(
  settings: Pick<Settings, 'local' | 'storage' | 'identity'>,
  dataDir: string,
): Promise<LocalStorage> {
  const { storage, local, identity } = settings;
  if (storage.AzureWebJobsStorage || storage.STORAGE_ACCOUNT_URL) {
    const service = createBlobServiceClient(storage, identity);
    return {
      store: new BlobStore(service),
      documents: blobDocuments(service),
      description: { kind: 'configured' },
      exclusive: false,
      close: () => Promise.resolve(),
    };
  }
  if (local.LOCAL_STORAGE === 'azurite') {
    const location = path.join(dataDir, 'azurite');
    await mkdir(location, { recursive: true });
    await waitForPreviousAzurite(dataDir);
    const azurite = await startAzurite({ location, port: local.AZURITE_BLOB_PORT });
    await recordAzurite(dataDir, azurite.pid);
    const service = createBlobServiceClient(
      { STORAGE_ACCOUNT_URL: undefined, AzureWebJobsStorage: azurite.connectionString },
      identity,
    );
    return {
      store: new BlobStore(service),
      documents: blobDocuments(service),
      description: { kind: 'azurite', blobUrl: azurite.blobUrl, dataDir: location },
      exclusive: false,
      async close() {
        await azurite.stop();
        await forgetAzurite(dataDir);
      },
    };
  }
  const file = path.join(dataDir, 'state.db');
  // Owner-only, like the admin key beside it: the store holds webhook URLs, which are
  // credentials. SQLite gives its log file the database file's permissions.
  await writeFile(file, '', { flag: 'a', mode: 0o600 });
  const store = SqliteStore.open(file, { exclusive: true });
  return {
    store,
    documents: store.database.documents,
    description: { kind: 'sqlite', file },
    exclusive: true,
    close: () => Promise.resolve(store.close()),
  };
}
