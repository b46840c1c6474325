/**
 * Parsing of rpm package labels: `rpm -qa` NEVRA lines and SOURCERPM file names.
 */
import { InputError } from '../errors.js';
import { parseEvr } from './rpmvercmp.js';
import type { Evr } from './types.js';

export interface Nevra {
  name: string;
  evr: Evr;
  /** Absent for pseudo-packages such as gpg-pubkey, which rpm lists without an arch. */
  arch?: string;
}

/**
 * Architectures rpm knows (rpmrc's arch_canon plus noarch/src). A suffix outside this list is
 * taken as part of the release instead, so `foo-1.0-1.azl3` (a --qf without %{ARCH}) parses
 * with no arch rather than with arch "azl3".
 */
const KNOWN_ARCHES: ReadonlySet<string> = new Set([
  'noarch',
  'src',
  'nosrc',
  'x86_64',
  'x86_64_v2',
  'x86_64_v3',
  'x86_64_v4',
  'amd64',
  'ia32e',
  'i386',
  'i486',
  'i586',
  'i686',
  'athlon',
  'geode',
  'pentium3',
  'pentium4',
  'aarch64',
  'arm64',
  'armv5tel',
  'armv6l',
  'armv6hl',
  'armv7l',
  'armv7hl',
  'armv7hnl',
  'armv8l',
  'armhfp',
  'ppc',
  'ppc64',
  'ppc64le',
  'ppc64p7',
  's390',
  's390x',
  'riscv64',
  'loongarch64',
  'mips',
  'mipsel',
  'mips64',
  'mips64el',
  'sparc64',
  'ia64',
  'alpha',
]);

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

/**
 * The same line, parsed once: a fleet's inventories repeat the same few hundred lines, and
 * handing out one object per distinct line lets matching recognise a version it has judged by
 * identity (src/domain/verdicts.ts). The objects are frozen, since every caller shares them.
 * Bounded: past the limit it starts afresh rather than tracking recency.
 */
const parsedLines = new Map<string, Nevra>();
const PARSED_LINES_KEPT = 50_000;

export function parseNevra(s: string): Nevra {
  let parsed = parsedLines.get(s);
  if (!parsed) {
    parsed = parseNevraText(s);
    Object.freeze(parsed.evr);
    Object.freeze(parsed);
    if (parsedLines.size >= PARSED_LINES_KEPT) parsedLines.clear();
    parsedLines.set(s, parsed);
  }
  return parsed;
}

/**
 * Parses one `rpm -qa` line, `name-[epoch:]version-release.arch`. Names may contain dashes,
 * so version and release are the last two dash-separated fields.
 */
function parseNevraText(s: string): Nevra {
  let rest = s;
  let arch: string | undefined;
  const dot = s.lastIndexOf('.');
  if (dot !== -1 && KNOWN_ARCHES.has(s.slice(dot + 1))) {
    arch = s.slice(dot + 1);
    rest = s.slice(0, dot);
  }
  const releaseDash = rest.lastIndexOf('-');
  const versionDash = releaseDash > 0 ? rest.lastIndexOf('-', releaseDash - 1) : -1;
  if (versionDash <= 0) {
    throw new InputError(`expected name-version-release.arch, got ${quote(s)}`);
  }
  const name = rest.slice(0, versionDash);
  for (let k = 0; k < name.length; k++) {
    if (name.charCodeAt(k) <= 0x20) throw new InputError(`whitespace in package name ${quote(s)}`);
  }
  const evr = parseEvr(rest.slice(versionDash + 1));
  return arch === undefined ? { name, evr } : { name, evr, arch };
}

/**
 * The source package name in a SOURCERPM value such as `openssh-9.8p1-5.azl3.src.rpm`.
 * `(none)` (gpg-pubkey, or a source package itself) and values that do not look like an rpm
 * file name give undefined.
 */
export function sourceNameFromSrpm(srpm: string): string | undefined {
  let s = srpm.trim();
  if (s === '' || s === '(none)' || !s.endsWith('.rpm')) return undefined;
  s = s.slice(0, -'.rpm'.length);
  // Some third-party builds write `-src.rpm`; accept it as well as the canonical `.src.rpm`.
  for (const suffix of ['.src', '.nosrc', '-src']) {
    if (s.endsWith(suffix)) {
      s = s.slice(0, -suffix.length);
      break;
    }
  }
  const releaseDash = s.lastIndexOf('-');
  const versionDash = releaseDash > 0 ? s.lastIndexOf('-', releaseDash - 1) : -1;
  if (versionDash <= 0) return undefined;
  let name = s.slice(0, versionDash);
  // A few tools prefix the epoch (`1:bar-9-1.src.rpm`); it is not part of the name.
  const colon = name.indexOf(':');
  if (colon !== -1 && /^\d+$/.test(name.slice(0, colon))) name = name.slice(colon + 1);
  return name === '' ? undefined : name;
}
