/**
 * A small package-URL parser (https://github.com/package-url/purl-spec), enough for the rpm
 * purls SBOM tools write, e.g. syft's
 * `pkg:rpm/azurelinux/openssh@9.8p1-5.azl3?arch=x86_64&distro=azurelinux-3.0&upstream=openssh-9.8p1-5.azl3.src.rpm`.
 */
import { InputError } from '../../errors.js';
import { sourceNameFromSrpm } from '../nevra.js';
import { parseEpoch, parseEvr } from '../rpmvercmp.js';
import type { InstalledPackage } from '../types.js';

/** Recognises an rpm purl before parsing it (the spec tolerates slashes after `pkg:`). */
export const RPM_PURL = /^pkg:\/*rpm\//i;

export interface Purl {
  type: string;
  namespace: string | undefined;
  name: string;
  version: string | undefined;
  qualifiers: Record<string, string>;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InputError(`bad percent-encoding in purl ${what}`);
  }
}

/** Parses a purl following the spec's right-to-left algorithm. */
export function parsePurl(purl: string): Purl {
  if (!/^pkg:/i.test(purl)) throw new InputError(`purl must start with "pkg:"`);
  let rest = purl.slice(4);
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);

  const qualifiers: Record<string, string> = {};
  const question = rest.indexOf('?');
  if (question !== -1) {
    for (const pair of rest.slice(question + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new InputError(`purl qualifier ${JSON.stringify(pair)} has no key=value`);
      const value = decode(pair.slice(eq + 1), 'qualifier');
      if (value !== '') qualifiers[pair.slice(0, eq).toLowerCase()] = value;
    }
    rest = rest.slice(0, question);
  }

  rest = rest.replace(/^\/+|\/+$/g, '');
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new InputError('purl has no type/name');
  const type = rest.slice(0, slash).toLowerCase();
  rest = rest.slice(slash + 1);

  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    version = decode(rest.slice(at + 1), 'version');
    rest = rest.slice(0, at);
  }
  const segments = rest.split('/').filter((s) => s !== '');
  const rawName = segments.pop();
  if (rawName === undefined) throw new InputError('purl has no name');
  const name = decode(rawName, 'name');
  const namespace =
    segments.length > 0 ? segments.map((s) => decode(s, 'namespace')).join('/') : undefined;
  return { type, namespace, name, version: version === '' ? undefined : version, qualifiers };
}

/**
 * The installed package an rpm purl describes. The version is `version-release`; the epoch
 * comes from the `epoch` qualifier (or, from some tools, a `N:` prefix on the version) and the
 * source package from the `upstream` qualifier, the SOURCERPM file name.
 */
export function packageFromRpmPurl(purl: Purl): InstalledPackage {
  if (purl.name.trim() === '' || /\s/.test(purl.name)) {
    throw new InputError(`rpm purl has an empty or blank-containing name`);
  }
  if (purl.version === undefined) throw new InputError(`rpm purl for ${purl.name} has no version`);
  const evr = parseEvr(purl.version);
  const epoch = purl.qualifiers.epoch;
  if (epoch !== undefined) {
    const qualified = parseEpoch(epoch);
    if (purl.version.includes(':') && qualified !== evr.epoch) {
      throw new InputError(`rpm purl for ${purl.name} has two different epochs`);
    }
    evr.epoch = qualified;
  }
  const pkg: InstalledPackage = { name: purl.name, evr };
  const arch = purl.qualifiers.arch;
  if (arch !== undefined) pkg.arch = arch;
  const upstream = purl.qualifiers.upstream;
  if (upstream !== undefined) {
    const source = sourceNameFromSrpm(upstream);
    if (source === undefined) {
      throw new InputError(`upstream ${JSON.stringify(upstream)} is not a source rpm file name`);
    }
    pkg.sourcePackage = source;
  }
  return pkg;
}
