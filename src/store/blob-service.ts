import { BlobServiceClient } from '@azure/storage-blob';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { Config } from '../config.js';
import { InputError } from '../errors.js';

export type StorageSettings = Pick<
  Config,
  'STORAGE_ACCOUNT_URL' | 'AzureWebJobsStorage' | 'AZURE_CLIENT_ID'
>;

/**
 * In Azure the app reaches its account with a managed identity (no secret in settings);
 * locally and in tests a connection string points at Azurite. The identity wins when both
 * are set, because the Functions host may carry a connection string for its own use.
 */
export function createBlobServiceClient(settings: StorageSettings): BlobServiceClient {
  if (settings.STORAGE_ACCOUNT_URL) {
    const credential = settings.AZURE_CLIENT_ID
      ? new ManagedIdentityCredential({ clientId: settings.AZURE_CLIENT_ID })
      : new DefaultAzureCredential();
    return new BlobServiceClient(settings.STORAGE_ACCOUNT_URL, credential);
  }
  if (settings.AzureWebJobsStorage) {
    return BlobServiceClient.fromConnectionString(settings.AzureWebJobsStorage);
  }
  throw new InputError(
    'no storage configured: set STORAGE_ACCOUNT_URL (managed identity) or AzureWebJobsStorage (connection string)',
  );
}
