import { DocumentStore } from './document-store.js';
import { SqliteDatabase } from './sqlite-documents.js';
import type { SqliteOptions } from './sqlite-documents.js';

/**
 * The embedded Store for `npm start`: the layout of document-store.ts in one SQLite file,
 * durable at every acknowledged write (src/store/sqlite-documents.ts says how).
 */
export class SqliteStore extends DocumentStore {
  constructor(readonly database: SqliteDatabase) {
    super(database.documents);
  }

  static open(file: string, opts: SqliteOptions = {}): SqliteStore {
    return new SqliteStore(new SqliteDatabase(file, opts));
  }

  close(): void {
    this.database.close();
  }
}
