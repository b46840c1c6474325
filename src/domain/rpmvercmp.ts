/**
 * RPM version comparison with librpm's exact semantics (rpmio/rpmvercmp.c and
 * rpmVersionCompare in rpm 4.18), plus parsing and formatting of `[epoch:]version[-release]`.
 *
 * This sits in the matching hot path, so it walks char codes instead of slicing strings or
 * running regular expressions per call.
 */
import { InputError } from '../errors.js';
import type { Evr } from './types.js';

export type Order = -1 | 0 | 1;

const TILDE = 0x7e; // '~'
const CARET = 0x5e; // '^'
const ZERO = 0x30; // '0'

/** rpm's epoch is an unsigned 32-bit tag; larger values are not real epochs. */
const MAX_EPOCH = 0xffff_ffff;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** ASCII only, like librpm's risalpha: every other code unit is a separator. */
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isSeparator(c: number): boolean {
  return !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET;
}

/** strcmp over two segments given as half-open ranges. */
function compareRange(a: string, i: number, ei: number, b: string, j: number, ej: number): Order {
  while (i < ei && j < ej) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
    i++;
    j++;
  }
  if (i < ei) return 1;
  if (j < ej) return -1;
  return 0;
}

/**
 * Compares one version or release string the way librpm's rpmvercmp does:
 * alphanumeric runs are compared pairwise (numbers numerically, letters with strcmp, a number
 * beats letters), separators only delimit, `~` sorts before everything including the end of
 * the string, and `^` sorts after the end of the string but before any further segment.
 */
export function rpmvercmp(a: string, b: string): Order {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  let i = 0;
  let j = 0;

  while (i < la || j < lb) {
    while (i < la && isSeparator(a.charCodeAt(i))) i++;
    while (j < lb && isSeparator(b.charCodeAt(j))) j++;
    const ca = i < la ? a.charCodeAt(i) : -1;
    const cb = j < lb ? b.charCodeAt(j) : -1;

    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }

    // A caret marks a post-release snapshot: newer than the bare base version, but older
    // than any real next segment.
    if (ca === CARET || cb === CARET) {
      if (ca === -1) return -1;
      if (cb === -1) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }

    if (ca === -1 || cb === -1) break;

    // Here `ca` is alphanumeric; the segment type follows the left side, as in librpm.
    let ei = i;
    let ej = j;
    const numeric = isDigit(ca);
    if (numeric) {
      while (ei < la && isDigit(a.charCodeAt(ei))) ei++;
      while (ej < lb && isDigit(b.charCodeAt(ej))) ej++;
    } else {
      while (ei < la && isAlpha(a.charCodeAt(ei))) ei++;
      while (ej < lb && isAlpha(b.charCodeAt(ej))) ej++;
    }

    // Segments of different types: a number is always newer than letters.
    if (ej === j) return numeric ? 1 : -1;

    if (numeric) {
      while (i < ei && a.charCodeAt(i) === ZERO) i++;
      while (j < ej && b.charCodeAt(j) === ZERO) j++;
      const lenA = ei - i;
      const lenB = ej - j;
      if (lenA !== lenB) return lenA > lenB ? 1 : -1;
    }
    const rc = compareRange(a, i, ei, b, j, ej);
    if (rc !== 0) return rc;
    i = ei;
    j = ej;
  }

  // All segments equal: only differing separators or leftovers remain.
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}

/**
 * Compares two EVRs like librpm's rpmVersionCompare: epoch numerically, then version, then
 * release. An absent (empty) release sorts before any present one, as a NULL release does
 * in librpm.
 */
export function compareEvr(a: Evr, b: Evr): Order {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  if (a.release === b.release) return 0;
  if (a.release === '') return -1;
  if (b.release === '') return 1;
  return rpmvercmp(a.release, b.release);
}

/** A short, printable rendering of user input for error messages. */
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

/** Whitespace and control characters never occur in rpm versions; they mean a parsing slip. */
function hasForbiddenChar(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Builds an Evr from separate fields (as `rpm --qf` or an SBOM gives them), rejecting values
 * rpm could never have produced.
 */
export function evrFromParts(epoch: string, version: string, release: string): Evr {
  const whole = `${epoch === '' ? '' : `${epoch}:`}${version}-${release}`;
  return { epoch: parseEpoch(epoch, whole), ...checkVersionRelease(version, release, whole) };
}

/** A decimal epoch; '' means 0. `whole` is the text to name in an error message. */
export function parseEpoch(text: string, whole: string = text): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (!isDigit(c)) throw new InputError(`epoch must be a number in ${quote(whole)}`);
    n = n * 10 + (c - ZERO);
    if (n > MAX_EPOCH) throw new InputError(`epoch is too large in ${quote(whole)}`);
  }
  return n;
}

function checkVersionRelease(
  version: string,
  release: string,
  whole: string,
): { version: string; release: string } {
  if (version.length === 0) throw new InputError(`empty version in ${quote(whole)}`);
  if (version.includes(':')) throw new InputError(`version contains ':' in ${quote(whole)}`);
  if (hasForbiddenChar(version) || hasForbiddenChar(release)) {
    throw new InputError(`whitespace or control character in version ${quote(whole)}`);
  }
  return { version, release };
}

/**
 * Parses `[epoch:]version[-release]`. The release is whatever follows the LAST '-', as in
 * librpm's parseEVR; it is '' when there is no '-'. The epoch is 0 when absent.
 */
export function parseEvr(s: string): Evr {
  let versionStart = 0;
  let epoch = 0;
  const colon = s.indexOf(':');
  if (colon !== -1) {
    if (colon === 0) throw new InputError(`empty epoch before ':' in ${quote(s)}`);
    epoch = parseEpoch(s.slice(0, colon), s);
    versionStart = colon + 1;
  }
  const dash = s.lastIndexOf('-');
  if (dash !== -1 && dash >= versionStart) {
    if (dash === s.length - 1) throw new InputError(`empty release after '-' in ${quote(s)}`);
    const parts = checkVersionRelease(s.slice(versionStart, dash), s.slice(dash + 1), s);
    return { epoch, ...parts };
  }
  return { epoch, ...checkVersionRelease(s.slice(versionStart), '', s) };
}

/** `[epoch:]version[-release]`, with `epoch:` only when it is not 0 (as rpm prints it). */
export function formatEvr(e: Evr): string {
  const head = e.epoch !== 0 ? `${e.epoch}:${e.version}` : e.version;
  return e.release === '' ? head : `${head}-${e.release}`;
}
