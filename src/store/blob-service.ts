import { BlobServiceClient } from '@azure/storage-blob';
import { ConfigError } from '../errors.js';
import { azureCredential } from '../security/azure-credential.js';
import type { IdentitySettings, StorageSettings } from '../settings.js';

/**
 * In Azure the app reaches its account with a managed identity (no secret in settings);
 * locally and in tests a connection string points at Azurite. The identity wins when both
 * are set, because the Functions host may carry a connection string for its own use.
 */
export function createBlobServiceClient(
  storage: StorageSettings,
  identity: IdentitySettings,
): BlobServiceClient {
  if (storage.STORAGE_ACCOUNT_URL) {
    return new BlobServiceClient(storage.STORAGE_ACCOUNT_URL, azureCredential(identity));
  }
  if (storage.AzureWebJobsStorage) {
    return BlobServiceClient.fromConnectionString(storage.AzureWebJobsStorage);
  }
  throw new ConfigError(
    'no storage configured: set STORAGE_ACCOUNT_URL (managed identity) or AzureWebJobsStorage (connection string)',
  );
}
