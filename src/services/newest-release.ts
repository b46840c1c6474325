import { rpmvercmp } from '../domain/rpmvercmp.js';
import type { ChangeSet } from '../domain/types.js';
import type { Runtime } from './runtime.js';

/** The newest release of the line that was matched (a baseline record has no change set). */
export async function newestChangeSet(
  rt: Pick<Runtime, 'store'>,
  line: string,
): Promise<ChangeSet | undefined> {
  const tags = (await rt.store.listReleaseTags())
    .filter((t) => t.endsWith(`-${line}`))
    .sort((a, b) => rpmvercmp(b, a));
  for (const tag of tags) {
    const record = await rt.store.getRelease(tag);
    if (record?.changeSet && record.release.line === line) return record.changeSet;
  }
  return undefined;
}
