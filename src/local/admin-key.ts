import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { newKey } from '../security/keys.js';

export type AdminKeySource = 'setting' | 'stored' | 'generated';

/**
 * The key `authLevel: 'function'` routes require locally. ADMIN_KEY wins; otherwise a key is
 * generated once, kept in DATA_DIR (owner-only), and reused on every later start.
 */
export function resolveAdminKey(
  configured: string | undefined,
  dataDir: string,
): Promise<{ key: string; source: AdminKeySource; file: string }> {
  return resolveLocalSecret('admin-key', configured, dataDir);
}

/**
 * Any local secret the same way: the setting wins, else the one stored in DATA_DIR, else a
 * new one (also SIGNING_KEY, so links in mail keep working across restarts).
 */
export async function resolveLocalSecret(
  name: string,
  configured: string | undefined,
  dataDir: string,
): Promise<{ key: string; source: AdminKeySource; file: string }> {
  const file = path.join(dataDir, name);
  if (configured) return { key: configured, source: 'setting', file };
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored) return { key: stored, source: 'stored', file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = newKey();
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated', file };
}
