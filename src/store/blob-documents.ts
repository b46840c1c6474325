import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { RestError } from '@azure/storage-blob';
import { Documents } from './documents.js';
import type { DocumentsFactory, TextDocuments, Versioned } from './documents.js';

/**
 * The Blob Storage adapter: one container per collection, one blob per document. Conditional
 * writes are the service's own (If-None-Match: * and If-Match), so they hold across every
 * process and instance that shares the account.
 */
export class BlobDocuments implements TextDocuments {
  constructor(readonly client: ContainerClient) {}

  async ensureExists(): Promise<void> {
    await this.client.createIfNotExists();
  }

  async readText(name: string): Promise<Versioned<string> | undefined> {
    try {
      // One GET gives both body and ETag, so the ETag always belongs to the bytes read:
      // an If-Match write based on it can never overwrite a version we did not see.
      const res = await this.client.getBlobClient(name).download();
      const chunks: Buffer[] = [];
      for await (const chunk of res.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      return { value: Buffer.concat(chunks).toString('utf8'), etag: res.etag ?? '' };
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  createText(name: string, text: string): Promise<string | undefined> {
    return this.upload(name, text, { ifNoneMatch: '*' });
  }

  replaceText(name: string, text: string, etag: string): Promise<string | undefined> {
    return this.upload(name, text, { ifMatch: etag });
  }

  async putText(name: string, text: string): Promise<string> {
    const etag = await this.upload(name, text, {});
    if (etag === undefined) throw new Error(`unconditional write of ${name} was refused`);
    return etag;
  }

  async delete(name: string): Promise<boolean> {
    const res = await this.client.getBlobClient(name).deleteIfExists();
    return res.succeeded;
  }

  async listNames(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of this.client.listBlobsFlat({ prefix })) names.push(blob.name);
    return names;
  }

  private async upload(
    name: string,
    body: string,
    conditions: { ifNoneMatch?: string; ifMatch?: string },
  ): Promise<string | undefined> {
    try {
      const res = await this.client.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        conditions,
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return res.etag ?? '';
    } catch (err) {
      if (isStatus(err, 409) || isStatus(err, 412)) return undefined;
      throw err;
    }
  }
}

/** Collections as containers of one account; a prefix lets several deployments share it. */
export function blobDocuments(service: BlobServiceClient, prefix = ''): DocumentsFactory {
  return (collection) =>
    new Documents(new BlobDocuments(service.getContainerClient(prefix + collection)), collection);
}

export function isStatus(err: unknown, status: number): boolean {
  return err instanceof RestError && err.statusCode === status;
}
