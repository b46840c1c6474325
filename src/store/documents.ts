import { storageOperations, storageOperationsByCollection } from './operations.js';
import type { StorageOperation } from './operations.js';

/** A stored value with the ETag that guards the next conditional write. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/**
 * One named collection of text documents with conditional writes: the storage port the
 * Store's layout (src/store/document-store.ts) and the local bus are built on. An adapter
 * implements only this; JSON on top of it is shared (`Documents`). Blob Storage is one
 * adapter (a container per collection), SQLite the other (rows keyed by collection and name).
 *
 * "Already exists" and "ETag moved" are expected answers, returned as `undefined`, not
 * thrown: they are how two overlapping workers learn that the other one got there first.
 * A write that resolves is acknowledged, and an adapter may only resolve once the write is
 * as durable as its backend can make it.
 */
export interface TextDocuments {
  /** Creates the collection if needed; idempotent. */
  ensureExists(): Promise<void>;
  /** The text and its ETag, read together, so the ETag always belongs to the bytes read. */
  readText(name: string): Promise<Versioned<string> | undefined>;
  /** Create-if-absent: the new ETag, or undefined when the document already exists. */
  createText(name: string, text: string): Promise<string | undefined>;
  /** Replace only if the document still has `etag`: the new ETag, or undefined on a lost race. */
  replaceText(name: string, text: string, etag: string): Promise<string | undefined>;
  /** Unconditional write, for documents with a single writer: the new ETag. */
  putText(name: string, text: string): Promise<string>;
  /** True when the document existed. */
  delete(name: string): Promise<boolean>;
  /** Names under `prefix`, in lexicographic (UTF-8 byte) order, as Blob Storage lists them. */
  listNames(prefix: string): Promise<string[]>;
}

/** JSON documents on any TextDocuments adapter. */
export class Documents {
  /** `collection` names it in the operation counts (src/store/operations.ts). */
  constructor(
    readonly text: TextDocuments,
    readonly collection = '',
  ) {}

  private count(kind: StorageOperation): void {
    storageOperations[kind]++;
    storageOperationsByCollection[this.collection] =
      (storageOperationsByCollection[this.collection] ?? 0) + 1;
  }

  ensureExists(): Promise<void> {
    return this.text.ensureExists();
  }

  async read<T>(name: string): Promise<Versioned<T> | undefined> {
    this.count('reads');
    const found = await this.text.readText(name);
    return found && { value: JSON.parse(found.value) as T, etag: found.etag };
  }

  readText(name: string): Promise<Versioned<string> | undefined> {
    this.count('reads');
    return this.text.readText(name);
  }

  create(name: string, value: unknown): Promise<string | undefined> {
    this.count('writes');
    return this.text.createText(name, JSON.stringify(value));
  }

  createText(name: string, text: string): Promise<string | undefined> {
    this.count('writes');
    return this.text.createText(name, text);
  }

  replace(name: string, value: unknown, etag: string): Promise<string | undefined> {
    this.count('writes');
    return this.text.replaceText(name, JSON.stringify(value), etag);
  }

  put(name: string, value: unknown): Promise<string> {
    this.count('writes');
    return this.text.putText(name, JSON.stringify(value));
  }

  async putText(name: string, text: string): Promise<void> {
    this.count('writes');
    await this.text.putText(name, text);
  }

  delete(name: string): Promise<boolean> {
    this.count('deletes');
    return this.text.delete(name);
  }

  listNames(prefix: string): Promise<string[]> {
    this.count('lists');
    return this.text.listNames(prefix);
  }
}

/** Where a Store or the local bus gets its collections from: one adapter per backend. */
export type DocumentsFactory = (collection: string) => Documents;
