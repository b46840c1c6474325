/**
 * SPDX 2.3 JSON SBOMs. A package is an installed rpm when one of its externalRefs is an rpm
 * purl; the first such purl describes it (Red Hat's SBOMs list the same package twice, with
 * and without a repository qualifier).
 */
import { InputError } from '../../errors.js';
import type { InstalledPackage } from '../types.js';
import { atJsonPath, isRecord, jsonInputError } from './json.js';
import { assertPackageCountWithinLimit } from './limits.js';
import { RPM_PURL, packageFromRpmPurl, parsePurl } from './purl.js';

export function isSpdx(doc: unknown): boolean {
  return isRecord(doc) && typeof doc.spdxVersion === 'string';
}

function firstRpmPurl(pkg: Record<string, unknown>): { purl: string; index: number } | undefined {
  const refs = pkg.externalRefs;
  if (!Array.isArray(refs)) return undefined;
  for (let index = 0; index < refs.length; index++) {
    const ref: unknown = refs[index];
    if (!isRecord(ref) || ref.referenceType !== 'purl') continue;
    const purl = ref.referenceLocator;
    if (typeof purl === 'string' && RPM_PURL.test(purl)) return { purl, index };
  }
  return undefined;
}

export function parseSpdx(text: string, doc: unknown): InstalledPackage[] {
  if (!isRecord(doc)) throw new InputError('SPDX document must be a JSON object');
  const list = doc.packages;
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    throw jsonInputError(text, 'packages', 'must be an array', undefined);
  }
  const packages: InstalledPackage[] = [];
  list.forEach((pkg: unknown, i) => {
    if (!isRecord(pkg)) return;
    const ref = firstRpmPurl(pkg);
    if (ref === undefined) return;
    const path = `packages[${i}].externalRefs[${ref.index}].referenceLocator`;
    packages.push(atJsonPath(text, path, ref.purl, () => packageFromRpmPurl(parsePurl(ref.purl))));
    assertPackageCountWithinLimit(packages.length);
  });
  return packages;
}
