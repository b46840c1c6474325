/**
 * The rich query the README documents:
 * `rpm -qa --qf '%{NAME}|%{EPOCHNUM}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SOURCERPM}\n'`.
 * SOURCERPM names the source package directly, so matching needs no subpackage map.
 */
import { InputError } from '../../errors.js';
import { sourceNameFromSrpm } from '../nevra.js';
import { evrFromParts } from '../rpmvercmp.js';
import type { InstalledPackage } from '../types.js';
import { assertPackageCountWithinLimit } from './limits.js';
import { atLine, isIgnorable, linesOf } from './lines.js';

const RPM_QF_FIELDS = ['NAME', 'EPOCHNUM', 'VERSION', 'RELEASE', 'ARCH', 'SOURCERPM'];

/** rpm prints `(none)` for an unset tag, e.g. %{EPOCH}, or the ARCH of gpg-pubkey. */
const NONE = '(none)';

function parseQfLine(text: string): InstalledPackage {
  const fields = text.split('|');
  if (fields.length !== RPM_QF_FIELDS.length) {
    throw new InputError(
      `expected ${RPM_QF_FIELDS.length} '|'-separated fields (${RPM_QF_FIELDS.join('|')}), got ${fields.length}`,
    );
  }
  const [name = '', epoch = '', version = '', release = '', arch = '', srpm = ''] = fields.map(
    (f) => f.trim(),
  );
  if (name === '') throw new InputError('empty NAME field');
  const evr = evrFromParts(epoch === NONE ? '' : epoch, version, release);
  const pkg: InstalledPackage = { name, evr };
  if (arch !== '' && arch !== NONE) pkg.arch = arch;
  if (srpm !== '' && srpm !== NONE) {
    const source = sourceNameFromSrpm(srpm);
    if (source === undefined) {
      throw new InputError(`SOURCERPM ${JSON.stringify(srpm)} is not an rpm file name`);
    }
    pkg.sourcePackage = source;
  }
  return pkg;
}

export function parseRpmQf(text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const line of linesOf(text)) {
    if (isIgnorable(line.text)) continue;
    packages.push({ ...atLine(line.number, () => parseQfLine(line.text)), line: line.number });
    assertPackageCountWithinLimit(packages.length);
  }
  return packages;
}
