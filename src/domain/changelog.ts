/**
 * Which CVEs an upgrade newly fixes, according to the spec's own %changelog.
 *
 * For an installed version-release V, the fixes are the ids named in entries newer than V,
 * minus the ids already named in entries at or below V. The subtraction matters: specs
 * say "Remove CVE patches fixed in upstream: CVE-…" when a rebase makes old patches
 * redundant, and those CVEs were fixed on the machine long ago. A machine two releases
 * behind gets the fixes of both.
 *
 * "Newer" is decided by position, as a reader of the changelog would: entries are newest
 * first, and the first entry whose header names a version-release at or below V starts the
 * old part, together with everything after it. An entry whose header names no EVR (old
 * headers such as "- branch)") therefore takes the side of its neighbours. Epochs are
 * ignored on both sides because headers are inconsistent about them (`- 10.11.15-1` in a
 * spec whose EVR is `3:10.11.15-1`); the dist tag is not, so rpmvercmp puts an entry
 * `2.0.0-18` at or below an installed `2.0.0-18.azl3`.
 */
import type { SpecInfo } from './spec.js';
import { compareEvr, parseEvr } from './rpmvercmp.js';
import type { ChangelogCves, Evr } from './types.js';

const CVE_ID = /CVE-\d{4}-\d{4,}/gi;

/**
 * The CVE ids each changelog entry names. Entries that name no EVR and no CVE cannot move
 * the boundary or add an id, so they are left out to keep stored change sets small.
 */
export function changelogCves(spec: Pick<SpecInfo, 'changelog'>): ChangelogCves {
  const out: ChangelogCves = [];
  for (const entry of spec.changelog) {
    const ids = new Set<string>();
    for (const line of entry.lines) {
      for (const m of line.matchAll(CVE_ID)) ids.add(m[0].toUpperCase());
    }
    if (entry.evr === null && ids.size === 0) continue;
    out.push({ evr: entry.evr, cves: [...ids].sort() });
  }
  return out;
}

/**
 * CVE ids newly fixed for a machine at `installed` (an EVR, with or without dist tag), sorted.
 * `installed` null means nothing is installed yet: every id the changelog names.
 */
export function cvesNewlyFixed(changelog: ChangelogCves, installed: Evr | null): string[] {
  const base = installed && withoutEpoch(installed);
  const newer = new Set<string>();
  const older = new Set<string>();
  let pastInstalled = false;
  for (const entry of changelog) {
    if (!pastInstalled && base && entry.evr !== null && atOrBelow(entry.evr, base)) {
      pastInstalled = true;
    }
    for (const id of entry.cves) (pastInstalled ? older : newer).add(id);
  }
  return [...newer].filter((id) => !older.has(id)).sort();
}

function atOrBelow(headerEvr: string, installed: Evr): boolean {
  let header: Evr;
  try {
    header = parseEvr(headerEvr);
  } catch {
    // The spec parser only keeps EVR-shaped tokens, so this is a defect of the header alone:
    // such an entry cannot mark the boundary.
    return false;
  }
  return compareEvr(withoutEpoch(header), installed) <= 0;
}

function withoutEpoch(e: Evr): Evr {
  return { ...e, epoch: 0 };
}
