/**
 * The Azure Linux OVAL feed (microsoft/AzureLinuxVulnerabilityData), Microsoft's daily
 * record of which CVE is fixed in which source package at which EVR, with a severity.
 *
 * Each definition names one CVE and a severity in its metadata, and, through its
 * criterion → rpminfo_test → rpminfo_object / rpminfo_state chain, the source package and
 * the "less than" EVR that fixes it (`0:2.6.7-3.azl3`). The package is read from that
 * chain rather than from the human-readable title, which is free text.
 */
import { XMLParser } from 'fast-xml-parser';
import { UpstreamError } from '../errors.js';
import { compareEvr, parseEvr } from './rpmvercmp.js';
import { maxSeverity, parseSeverity } from './severity.js';
import type { Evr, Severity } from './types.js';

/** One fix the feed records, in the compact form the pipeline stores. */
export interface OvalFix {
  cve: string;
  sourcePackage: string;
  /** The first fixed EVR, as the feed writes it (`0:2.41-11.azl3`). */
  fixed: string;
  severity: Severity;
}

export interface OvalIndex {
  /** The feed's severity for a CVE in that source package; null when it has no such pair. */
  severityOf(cve: string, sourcePackage: string): Severity | null;
  /**
   * The fixes for a source package that a machine at `installed` gains by moving to
   * `target`: fixed EVR greater than installed and at most target.
   */
  fixesBetween(sourcePackage: string, installed: Evr, target: Evr): OvalFix[];
  /** Number of definitions read. */
  size: number;
  /** Every fix, for storing the index without the XML. */
  fixes: readonly OvalFix[];
}

type Node = Record<string, unknown>;

const LISTS = new Set([
  'definition',
  'reference',
  'criteria',
  'criterion',
  'rpminfo_test',
  'rpminfo_object',
  'rpminfo_state',
]);

export function parseOval(xml: string): OvalIndex {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    isArray: (name) => LISTS.has(name),
  });
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (e) {
    throw new UpstreamError('the OVAL feed is not well-formed XML', e);
  }
  const root = child(doc, 'oval_definitions');
  if (!root) throw new UpstreamError('the OVAL feed has no oval_definitions element');

  const objectName = new Map<string, string>();
  for (const obj of list(child(root, 'objects'), 'rpminfo_object')) {
    const name = text(obj['name']);
    if (typeof obj['@id'] === 'string' && name) objectName.set(obj['@id'], name);
  }
  const stateEvr = new Map<string, string>();
  for (const state of list(child(root, 'states'), 'rpminfo_state')) {
    const evr = child(state, 'evr');
    // Only "less than" states name a fixing version; others (if the feed ever grows them)
    // say nothing about a fix.
    if (typeof state['@id'] === 'string' && evr?.['@operation'] === 'less than') {
      const value = text(evr);
      if (value) stateEvr.set(state['@id'], value);
    }
  }
  const tests = new Map<string, { sourcePackage: string; fixed: string | undefined }>();
  for (const test of list(child(root, 'tests'), 'rpminfo_test')) {
    const objectRef = child(test, 'object')?.['@object_ref'];
    const stateRef = child(test, 'state')?.['@state_ref'];
    const name = typeof objectRef === 'string' ? objectName.get(objectRef) : undefined;
    if (typeof test['@id'] === 'string' && name) {
      tests.set(test['@id'], {
        sourcePackage: name,
        fixed: typeof stateRef === 'string' ? stateEvr.get(stateRef) : undefined,
      });
    }
  }

  const fixes: OvalFix[] = [];
  const severities = new Map<string, Severity>();
  let size = 0;
  for (const def of list(child(root, 'definitions'), 'definition')) {
    size++;
    const meta = child(def, 'metadata');
    const severity = parseSeverity(text(meta?.['severity']) ?? '') ?? 'unknown';
    // "Not Applicable" definitions record that a package is not affected: no fix to count.
    const patchable = (text(meta?.['patchable']) ?? 'true').toLowerCase() === 'true';
    const cves = list(meta, 'reference')
      .map((ref) => ref['@ref_id'])
      .filter((id): id is string => typeof id === 'string' && /^CVE-/i.test(id))
      .map((id) => id.toUpperCase());
    for (const ref of testRefs(child(def, 'criteria') ?? def)) {
      const test = tests.get(ref);
      if (!test) continue;
      for (const cve of cves) {
        const key = pairKey(cve, test.sourcePackage);
        severities.set(key, maxSeverity(severities.get(key) ?? 'unknown', severity));
        if (patchable && test.fixed !== undefined) {
          fixes.push({ cve, sourcePackage: test.sourcePackage, fixed: test.fixed, severity });
        }
      }
    }
  }
  return indexOval(fixes, severities, size);
}

/** Rebuilds an index from stored fixes (what `fixes` returned). */
export function ovalFromFixes(fixes: readonly OvalFix[]): OvalIndex {
  const severities = new Map<string, Severity>();
  for (const f of fixes) {
    const key = pairKey(f.cve, f.sourcePackage);
    severities.set(key, maxSeverity(severities.get(key) ?? 'unknown', f.severity));
  }
  return indexOval(fixes, severities, fixes.length);
}

function indexOval(
  fixes: readonly OvalFix[],
  severities: ReadonlyMap<string, Severity>,
  size: number,
): OvalIndex {
  const byPackage = new Map<string, { fix: OvalFix; evr: Evr }[]>();
  for (const fix of fixes) {
    let evr: Evr;
    try {
      evr = parseEvr(fix.fixed);
    } catch {
      continue; // a malformed version in the feed cannot be compared; skip that one fix
    }
    const list = byPackage.get(fix.sourcePackage) ?? [];
    list.push({ fix, evr });
    byPackage.set(fix.sourcePackage, list);
  }
  return {
    size,
    fixes,
    severityOf: (cve, sourcePackage) => severities.get(pairKey(cve, sourcePackage)) ?? null,
    fixesBetween(sourcePackage, installed, target) {
      return (byPackage.get(sourcePackage) ?? [])
        .filter(({ evr }) => compareEvr(evr, installed) > 0 && compareEvr(evr, target) <= 0)
        .map(({ fix }) => fix);
    },
  };
}

const pairKey = (cve: string, sourcePackage: string): string =>
  `${cve.toUpperCase()}\u0000${sourcePackage}`;

/** All test_ref attributes under a (possibly nested) criteria element. */
function testRefs(criteria: Node): string[] {
  const refs: string[] = [];
  for (const c of list(criteria, 'criterion')) {
    if (typeof c['@test_ref'] === 'string') refs.push(c['@test_ref']);
  }
  for (const nested of list(criteria, 'criteria')) refs.push(...testRefs(nested));
  return refs;
}

function child(node: Node | undefined, name: string): Node | undefined {
  const v = node?.[name];
  const first: unknown = Array.isArray(v) ? v[0] : v;
  return first !== null && typeof first === 'object' ? (first as Node) : undefined;
}

function list(node: Node | undefined, name: string): Node[] {
  const v = node?.[name];
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is Node => x !== null && typeof x === 'object');
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (v !== null && typeof v === 'object' && typeof (v as Node)['#text'] === 'string') {
    return ((v as Node)['#text'] as string).trim();
  }
  return undefined;
}
