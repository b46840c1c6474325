/**
 * Severity lookup from the Azure Linux OVAL feed (microsoft/AzureLinuxVulnerabilityData).
 *
 * Each definition names one CVE, a severity, and (through its criterion → rpminfo_test →
 * rpminfo_object chain) the source package it affects. The package is read from that chain
 * rather than from the human-readable title, which is free text.
 */
import { XMLParser } from 'fast-xml-parser';
import { UpstreamError } from '../errors.js';
import { maxSeverity, parseSeverity } from './severity.js';
import type { Severity } from './types.js';

export interface OvalIndex {
  /**
   * The feed's severity for a CVE: for that source package when the feed has a definition
   * for the pair, else the worst over all packages the CVE affects; null when the feed does
   * not name the CVE.
   */
  severityOf(cve: string, sourcePackage?: string): Severity | null;
  /** Number of definitions read. */
  size: number;
}

type Node = Record<string, unknown>;

const LISTS = new Set([
  'definition',
  'reference',
  'criteria',
  'criterion',
  'rpminfo_test',
  'rpminfo_object',
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
  const testPackage = new Map<string, string>();
  for (const test of list(child(root, 'tests'), 'rpminfo_test')) {
    const ref = child(test, 'object')?.['@object_ref'];
    const name = typeof ref === 'string' ? objectName.get(ref) : undefined;
    if (typeof test['@id'] === 'string' && name) testPackage.set(test['@id'], name);
  }

  const byCve = new Map<string, Map<string, Severity>>();
  let size = 0;
  for (const def of list(child(root, 'definitions'), 'definition')) {
    size++;
    const meta = child(def, 'metadata');
    const severity = parseSeverity(text(meta?.['severity']) ?? '') ?? 'unknown';
    const packages = testRefs(child(def, 'criteria') ?? def)
      .map((ref) => testPackage.get(ref))
      .filter((p): p is string => p !== undefined);
    for (const ref of list(meta, 'reference')) {
      const id = ref['@ref_id'];
      if (typeof id !== 'string' || !/^CVE-/i.test(id)) continue;
      const cve = id.toUpperCase();
      const perPackage = byCve.get(cve) ?? new Map<string, Severity>();
      for (const pkg of packages.length > 0 ? packages : ['']) {
        perPackage.set(pkg, maxSeverity(perPackage.get(pkg) ?? 'unknown', severity));
      }
      byCve.set(cve, perPackage);
    }
  }

  return {
    size,
    severityOf(cve: string, sourcePackage?: string): Severity | null {
      const perPackage = byCve.get(cve.toUpperCase());
      if (!perPackage) return null;
      const exact = sourcePackage === undefined ? undefined : perPackage.get(sourcePackage);
      return exact ?? maxSeverity(...perPackage.values());
    },
  };
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
