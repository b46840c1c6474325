import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { AppError, StorageFullError } from '../errors.js';
import { Documents } from './documents.js';
import type { DocumentsFactory, TextDocuments, Versioned } from './documents.js';

export interface SqliteOptions {
  /**
   * Hold an exclusive lock on the file for as long as it is open. The local runtime does, so
   * it may treat every claim it finds at start-up as left behind by a process that is gone.
   */
  exclusive?: boolean;
  /** How long to wait for a lock another connection holds; default 5 s. */
  busyTimeoutMs?: number;
}

/**
 * The embedded store for `npm start`: one SQLite file, opened so that a write that returns
 * is on disk. WAL with `synchronous=FULL` syncs the log at every commit, so a power cut, a
 * SIGKILL of the whole process group or a full disk can lose nothing that was acknowledged
 * (https://www.sqlite.org/pragma.html#pragma_synchronous); every statement runs in its own
 * transaction, so a failed write leaves nothing half-done. better-sqlite3 runs statements
 * synchronously: the event loop waits for the sync, which is the price of the promise.
 */
export class SqliteDatabase {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;

  constructor(file: string, opts: SqliteOptions = {}) {
    this.db = openDatabase(file, opts.busyTimeoutMs ?? 5000);
    try {
      // Before the first access in WAL mode, so no shared-memory index is ever created and
      // the lock stays with this connection until it closes (or its process dies).
      if (opts.exclusive) this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS documents (
        collection TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        etag TEXT NOT NULL,
        PRIMARY KEY (collection, name)
      ) WITHOUT ROWID`);
    } catch (err) {
      this.db.close();
      if (code(err) === 'SQLITE_BUSY') {
        throw new AppError(`${file} is in use by another azl-notifier process; stop it first`, {
          status: 503,
          code: 'store-locked',
          cause: err,
        });
      }
      throw translate(err);
    }
    this.statements = prepare(this.db);
  }

  /** One collection of documents, in this file. */
  readonly documents: DocumentsFactory = (collection) =>
    new Documents(new SqliteDocuments(this.statements, collection), collection);

  /** Runs a pragma and returns its single value: tests simulate a full disk with `max_page_count`. */
  pragma(statement: string): unknown {
    return this.db.pragma(statement, { simple: true });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function prepare(db: Database.Database) {
  return {
    read: db.prepare<[string, string], { body: string; etag: string }>(
      'SELECT body, etag FROM documents WHERE collection = ? AND name = ?',
    ),
    create: db.prepare<[string, string, string, string]>(
      'INSERT INTO documents (collection, name, body, etag) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    replace: db.prepare<[string, string, string, string, string]>(
      'UPDATE documents SET body = ?, etag = ? WHERE collection = ? AND name = ? AND etag = ?',
    ),
    put: db.prepare<[string, string, string, string]>(
      `INSERT INTO documents (collection, name, body, etag) VALUES (?, ?, ?, ?)
       ON CONFLICT (collection, name) DO UPDATE SET body = excluded.body, etag = excluded.etag`,
    ),
    delete: db.prepare<[string, string]>('DELETE FROM documents WHERE collection = ? AND name = ?'),
    // substr() compares the prefix exactly (LIKE would treat % and _ as wildcards); the
    // range condition lets the primary key find the start.
    list: db.prepare<[string, string, string, string], { name: string }>(
      `SELECT name FROM documents
       WHERE collection = ? AND name >= ? AND substr(name, 1, length(?)) = ?
       ORDER BY name`,
    ),
  };
}

class SqliteDocuments implements TextDocuments {
  constructor(
    private readonly s: ReturnType<typeof prepare>,
    private readonly collection: string,
  ) {}

  ensureExists(): Promise<void> {
    return Promise.resolve();
  }

  readText(name: string): Promise<Versioned<string> | undefined> {
    return run(() => {
      const row = this.s.read.get(this.collection, name);
      return row && { value: row.body, etag: row.etag };
    });
  }

  createText(name: string, text: string): Promise<string | undefined> {
    return run(() => {
      const etag = newEtag();
      return this.s.create.run(this.collection, name, text, etag).changes === 1 ? etag : undefined;
    });
  }

  replaceText(name: string, text: string, etag: string): Promise<string | undefined> {
    return run(() => {
      const next = newEtag();
      const changed = this.s.replace.run(text, next, this.collection, name, etag).changes;
      return changed === 1 ? next : undefined;
    });
  }

  putText(name: string, text: string): Promise<string> {
    return run(() => {
      const etag = newEtag();
      this.s.put.run(this.collection, name, text, etag);
      return etag;
    });
  }

  delete(name: string): Promise<boolean> {
    return run(() => this.s.delete.run(this.collection, name).changes > 0);
  }

  listNames(prefix: string): Promise<string[]> {
    return run(() =>
      this.s.list.all(this.collection, prefix, prefix, prefix).map((row) => row.name),
    );
  }
}

/** Random, so an ETag never matches a later document that happens to reuse the name. */
const newEtag = () => `"${randomUUID()}"`;

/** The store's promises resolve only after the statement (and its sync) completed. */
function run<T>(statement: () => T): Promise<T> {
  try {
    return Promise.resolve(statement());
  } catch (err) {
    return Promise.reject(translate(err));
  }
}

/**
 * better-sqlite3 loads its native addon when the first database opens. A checkout installed
 * under one Node.js and started with another fails there with Node's own multi-line message
 * and a stack; the fix is one command, so say that instead.
 */
function openDatabase(file: string, timeout: number): Database.Database {
  try {
    return new Database(file, { timeout });
  } catch (err) {
    throw explainAddonLoadFailure(err) ?? err;
  }
}

/** The one-line error for an addon built for another Node.js ABI, or undefined for anything else. */
export function explainAddonLoadFailure(err: unknown): AppError | undefined {
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).code !== 'ERR_DLOPEN_FAILED') {
    return undefined;
  }
  // Node's wording (src/node_binding.cc): "...compiled against a different Node.js version
  // using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 127."
  const [built, needed] = [...err.message.matchAll(/NODE_MODULE_VERSION (\d+)/g)].map((m) => m[1]);
  const what =
    built && needed
      ? `was installed for another Node.js (built for NODE_MODULE_VERSION ${built}; Node.js ${process.version} needs ${needed})`
      : `does not load in Node.js ${process.version} (${err.message.split('\n')[0] ?? ''})`;
  return new AppError(
    `the SQLite addon (better-sqlite3) ${what}: run \`npm rebuild better-sqlite3\` with this Node.js, then start again`,
    { status: 500, code: 'sqlite-addon-mismatch', exitCode: 78, cause: err },
  );
}

function translate(err: unknown): Error {
  if (code(err) === 'SQLITE_FULL') {
    return new StorageFullError('the local store is full: free disk space under DATA_DIR', err);
  }
  return err instanceof Error ? err : new Error(String(err));
}

function code(err: unknown): string | undefined {
  return err instanceof Database.SqliteError ? err.code : undefined;
}
