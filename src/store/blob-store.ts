import type { BlobServiceClient } from '@azure/storage-blob';
import { blobDocuments } from './blob-documents.js';
import { DocumentStore } from './document-store.js';

/**
 * The production Store: the layout of document-store.ts, one container per collection of
 * a Blob Storage account (Azurite locally). A prefix lets several test files share an account.
 */
export class BlobStore extends DocumentStore {
  constructor(service: BlobServiceClient, prefix = '') {
    super(blobDocuments(service, prefix));
  }
}
