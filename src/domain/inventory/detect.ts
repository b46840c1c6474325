/**
 * Format detection. Cheap text checks first; JSON documents are told apart by their
 * top-level keys once parsed, so a document is parsed only once.
 */
import { InputError } from '../../errors.js';
import type { InventoryFormat } from '../types.js';
import { PACKAGES_BEGIN } from './aks-release-notes.js';
import { isCycloneDx } from './cyclonedx.js';
import { isIgnorable, linesOf } from './lines.js';
import { isSpdx } from './spdx.js';

const LEADING_JSON = /^[ \t\r\n]*[{[]/;

/** True when the text is a JSON document rather than a line format. */
export function looksLikeJson(text: string): boolean {
  // A regular expression, not a loop over characters: 10 MB of leading whitespace is a
  // few milliseconds instead of a hundred.
  return LEADING_JSON.test(text);
}

/** The line format of a non-JSON text. */
export function detectLineFormat(text: string): InventoryFormat {
  // The marker is always on a line of its own; a quick substring test avoids a line scan.
  if (text.includes(PACKAGES_BEGIN)) {
    for (const line of linesOf(text)) {
      if (line.text === PACKAGES_BEGIN) return 'aks-release-notes';
    }
  }
  for (const line of linesOf(text)) {
    if (isIgnorable(line.text)) continue;
    // NEVRA never contains '|'; the rich query separates its fields with it.
    return line.text.includes('|') ? 'rpm-qf' : 'rpm-qa';
  }
  return 'rpm-qa';
}

/** The SBOM format of a parsed JSON document. */
export function detectJsonFormat(doc: unknown): InventoryFormat {
  if (isCycloneDx(doc)) return 'cyclonedx';
  if (isSpdx(doc)) return 'spdx';
  throw new InputError(
    'JSON input is neither a CycloneDX SBOM (bomFormat "CycloneDX") nor an SPDX 2.3 SBOM (spdxVersion)',
  );
}
