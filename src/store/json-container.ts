import type { ContainerClient } from '@azure/storage-blob';
import { RestError } from '@azure/storage-blob';

/** A stored value with the ETag that guards the next conditional write. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/**
 * One blob container holding JSON documents, with the conditional writes the pipeline
 * relies on. 409 (already exists) and 412 (ETag moved) are expected answers here, not
 * errors: they are how two overlapping workers learn that the other one got there first.
 */
export class JsonContainer {
  constructor(readonly client: ContainerClient) {}

  async ensureExists(): Promise<void> {
    await this.client.createIfNotExists();
  }

  async read<T>(name: string): Promise<Versioned<T> | undefined> {
    const text = await this.readText(name);
    return text && { value: JSON.parse(text.value) as T, etag: text.etag };
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

  /** Create-if-absent. Returns the new ETag, or undefined when the blob already exists. */
  async create(name: string, value: unknown): Promise<string | undefined> {
    return this.upload(name, JSON.stringify(value), { ifNoneMatch: '*' });
  }

  async createText(name: string, text: string): Promise<string | undefined> {
    return this.upload(name, text, { ifNoneMatch: '*' });
  }

  /** Replace only if the blob still has `etag`. Returns the new ETag, or undefined on a lost race. */
  async replace(name: string, value: unknown, etag: string): Promise<string | undefined> {
    return this.upload(name, JSON.stringify(value), { ifMatch: etag });
  }

  /** Unconditional write, for documents with a single writer. */
  async put(name: string, value: unknown): Promise<string> {
    const etag = await this.upload(name, JSON.stringify(value), {});
    if (etag === undefined) throw new Error(`unconditional write of ${name} was refused`);
    return etag;
  }

  async putText(name: string, text: string): Promise<void> {
    await this.upload(name, text, {});
  }

  /** Deletes the blob; true when it existed. */
  async delete(name: string): Promise<boolean> {
    const res = await this.client.getBlobClient(name).deleteIfExists();
    return res.succeeded;
  }

  /** Blob names under `prefix`, in the service's (lexicographic) order. */
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

export function isStatus(err: unknown, status: number): boolean {
  return err instanceof RestError && err.statusCode === status;
}
