/**
 * Reads the OVAL feed's XML into an index (src/domain/oval.ts describes the feed). A module
 * of its own because the XML parser is a fifth of the CLI's code and only a download needs
 * it; a stored feed is rebuilt from its fixes.
 */
import { XMLParser } from 'fast-xml-parser';
import { UpstreamError } from '../errors.js';
import { indexOval, pairKey, type OvalFix, type OvalIndex } from './oval.js';
import { maxSeverity, parseSeverity } from './severity.js';
import type { Severity } from './types.js';

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
  const generatedAt = generatedAtOf(text(child(root, 'generator')?.['timestamp']));

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
  return indexOval(fixes, severities, size, generatedAt);
}

/**
 * The generator's `<oval:timestamp>` (xsd:dateTime; the Azure Linux feed writes
 * `2024-10-10T12:04:24.575063301Z`, nanoseconds and all) as ISO 8601 in UTC, or null when
 * the feed states none or one that is not a date: its age is then unknown, never guessed.
 */
function generatedAtOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (!m) return null;
  const millis = (m[2] ?? '').slice(0, 4).padEnd(m[2] ? 4 : 0, '0');
  // A timestamp without a zone is local time in XML Schema; the feed is written in UTC.
  const date = new Date(`${m[1]}${millis}${m[3] ?? 'Z'}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

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
