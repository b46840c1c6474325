/**
 * Reads an installed-package inventory in any supported format:
 * rpm -qa, the rich rpm --qf query, AKS node-image release notes, CycloneDX or SPDX JSON.
 */
import { InputError } from '../../errors.js';
import type { InstalledPackage, Inventory, InventoryFormat } from '../types.js';
import { parseAksReleaseNotes } from './aks-release-notes.js';
import { parseCycloneDx } from './cyclonedx.js';
import { detectJsonFormat, detectLineFormat, looksLikeJson } from './detect.js';
import { parseJson } from './json.js';
import { assertSizeWithinLimit } from './limits.js';
import { parseRpmQa } from './rpm-qa.js';
import { parseRpmQf } from './rpm-qf.js';
import { parseSpdx } from './spdx.js';

export {
  assertWithinSubscriptionBudget,
  MAX_INVENTORY_BYTES,
  MAX_INVENTORY_PACKAGES,
  MAX_SUBSCRIPTION_INVENTORY_BYTES,
  MAX_SUBSCRIPTION_PACKAGES,
  type InventoryUsage,
} from './limits.js';
export { detectJsonFormat, detectLineFormat } from './detect.js';

const JSON_FORMATS: ReadonlySet<InventoryFormat> = new Set(['cyclonedx', 'spdx']);

function parseAs(format: InventoryFormat, text: string, doc: unknown): InstalledPackage[] {
  switch (format) {
    case 'rpm-qa':
      return parseRpmQa(text);
    case 'rpm-qf':
      return parseRpmQf(text);
    case 'aks-release-notes':
      return parseAksReleaseNotes(text);
    case 'cyclonedx':
      return parseCycloneDx(text, doc);
    case 'spdx':
      return parseSpdx(text, doc);
  }
}

/**
 * Parses `text`, detecting its format unless `opts.format` names it. Throws TooLargeError
 * over 10 MB or 20,000 packages, and InputError (with a line number where there is one) for
 * malformed input or an inventory without packages.
 */
export function parseInventory(text: string, opts: { format?: InventoryFormat } = {}): Inventory {
  assertSizeWithinLimit(text);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Line numbers stay right after stripping a BOM: it sits on line 1 and is not a newline.

  let format = opts.format;
  let doc: unknown;
  if (format === undefined ? looksLikeJson(body) : JSON_FORMATS.has(format)) {
    doc = parseJson(body);
    format ??= detectJsonFormat(doc);
  }
  format ??= detectLineFormat(body);

  const parsed = parseAs(format, body, doc);
  if (parsed.length === 0) throw new InputError(`no packages found (read as ${format})`);
  const packages = uniquePackages(parsed);
  const duplicates = parsed.length - packages.length;
  return duplicates > 0 ? { format, packages, duplicates } : { format, packages };
}

/** A list concatenated from two runs, or an SBOM listing a package per layer, repeats lines. */
function uniquePackages(packages: InstalledPackage[]): InstalledPackage[] {
  const seen = new Set<string>();
  return packages.filter((p) => {
    const key = [p.name, p.evr.epoch, p.evr.version, p.evr.release, p.arch, p.sourcePackage].join(
      '\u0000',
    );
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
