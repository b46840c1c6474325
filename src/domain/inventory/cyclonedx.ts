/**
 * CycloneDX JSON SBOMs (syft, Trivy, ...). Only components with an rpm purl are installed
 * packages here; other components (files, OS, language packages) are ignored.
 */
import { InputError } from '../../errors.js';
import type { InstalledPackage } from '../types.js';
import { atJsonPath, isRecord, jsonInputError } from './json.js';
import { assertPackageCountWithinLimit } from './limits.js';
import { RPM_PURL, packageFromRpmPurl, parsePurl } from './purl.js';

export function isCycloneDx(doc: unknown): boolean {
  return isRecord(doc) && doc.bomFormat === 'CycloneDX';
}

export function parseCycloneDx(text: string, doc: unknown): InstalledPackage[] {
  if (!isRecord(doc)) throw new InputError('CycloneDX document must be a JSON object');
  const packages: InstalledPackage[] = [];

  // Components may nest (an image component holding its packages). Walk the tree breadth
  // first with a queue, so hostile nesting depth cannot overflow the call stack.
  const queue: { list: unknown; path: string }[] = [{ list: doc.components, path: 'components' }];
  for (let q = 0; q < queue.length; q++) {
    const { list, path } = queue[q]!;
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw jsonInputError(text, path, 'must be an array', undefined);
    list.forEach((component: unknown, index) => {
      if (!isRecord(component)) return;
      const at = `${path}[${index}]`;
      const purl = component.purl;
      if (typeof purl === 'string' && RPM_PURL.test(purl)) {
        packages.push(
          atJsonPath(text, `${at}.purl`, purl, () => packageFromRpmPurl(parsePurl(purl))),
        );
        assertPackageCountWithinLimit(packages.length);
      }
      queue.push({ list: component.components, path: `${at}.components` });
    });
  }
  return packages;
}
