/**
 * Which CVEs a release fixes according to the spec's own %changelog.
 *
 * "Added since `from`" is decided by version, not by diffing the two changelogs: entries are
 * read newest first and reading stops at the first entry whose header names a
 * version-release at or below `from`. Epochs are ignored on both sides because headers are
 * inconsistent about them (`- 10.11.15-1` in a spec whose EVR is `3:10.11.15-1`, or
 * `- 0:5.6.1-5`). An entry whose header names no EVR never stops the scan.
 */
import type { SpecInfo } from './spec.js';
import { compareEvr, parseEvr } from './rpmvercmp.js';
import type { Evr } from './types.js';

const CVE_ID = /CVE-\d{4}-\d{4,}/gi;

export function cvesSince(spec: SpecInfo, fromEvr: string | null): string[] {
  const from = fromEvr === null ? null : withoutEpoch(parseEvr(fromEvr));
  const found = new Set<string>();
  for (const entry of spec.changelog) {
    if (from !== null && entry.evr !== null) {
      if (compareEvr(withoutEpoch(parseEvr(entry.evr)), from) <= 0) break;
    }
    for (const line of entry.lines) {
      for (const m of line.matchAll(CVE_ID)) found.add(m[0].toUpperCase());
    }
  }
  return [...found].sort();
}

function withoutEpoch(e: Evr): Evr {
  return { ...e, epoch: 0 };
}
