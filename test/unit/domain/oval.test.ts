import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/errors.js';
import { ovalFromFixes } from '../../../src/domain/oval.js';
import { parseOval } from '../../../src/domain/oval-xml.js';
import { parseEvr } from '../../../src/domain/rpmvercmp.js';
import { FIXTURES } from '../../support/fixtures.js';

const xml = readFileSync(join(FIXTURES, 'oval', 'azurelinux-3.0-oval.xml'), 'utf8');

describe('parseOval on the real Azure Linux 3.0 feed', () => {
  const oval = parseOval(xml);

  it('reads all 1,222 definitions', () => {
    // Independent count without a regex or XML parser: occurrences of the opening tag.
    expect(xml.split('<definition ').length - 1).toBe(1222);
    expect(oval.size).toBe(1222);
  });

  it("agrees with each definition's own <severity> text, found by plain string search", () => {
    // Walk the raw text: each definition block names its CVE in ref_id="..." and its
    // level in <severity>...</severity>; the package is the word after "affecting package".
    const blocks = xml.split('<definition ').slice(1);
    let checked = 0;
    for (const block of blocks) {
      const cve = between(block, 'ref_id="', '"');
      const level = between(block, '<severity>', '</severity>').toLowerCase();
      const pkg = between(block, 'affecting package ', ' ');
      expect(oval.severityOf(cve, pkg), `${cve} ${pkg}`).toBe(level);
      checked++;
    }
    expect(checked).toBe(1222);
  });

  it('matches hand-verified definitions, per package', () => {
    // Read from the XML by eye: oath-toolkit/CVE-2024-47191 High, golang/CVE-2023-29402
    // Critical, hyperv-daemons/CVE-2023-52661 Low, curl/CVE-2024-2398 High and
    // cmake/CVE-2024-2398 Medium (one CVE, two packages, two levels).
    expect(oval.severityOf('CVE-2024-47191', 'oath-toolkit')).toBe('high');
    expect(oval.severityOf('CVE-2023-29402', 'golang')).toBe('critical');
    expect(oval.severityOf('CVE-2023-52661', 'hyperv-daemons')).toBe('low');
    expect(oval.severityOf('cve-2024-2398', 'curl')).toBe('high');
    expect(oval.severityOf('CVE-2024-2398', 'cmake')).toBe('medium');
    // A level is the feed's for that package only: none for a package it does not list.
    expect(oval.severityOf('CVE-2024-2398', 'kernel')).toBeNull();
    expect(oval.severityOf('CVE-2099-0001', 'curl')).toBeNull();
  });

  it("reads each patchable definition's fixing EVR, as its title states it", () => {
    // The title says "... for versions less than 2.6.7-3"; the state holds "0:2.6.7-3.azl3".
    const blocks = xml.split('<definition ').slice(1);
    const fromTitles = blocks
      .filter((b) => between(b, '<patchable>', '</patchable>') === 'true')
      .map((b) => {
        const pkg = between(b, 'affecting package ', ' ');
        const version = between(b, 'for versions less than ', '</title>');
        return `${between(b, 'ref_id="', '"')} ${pkg} ${version}`;
      })
      .sort();
    const read = oval.fixes
      .map(
        (f) => `${f.cve} ${f.sourcePackage} ${f.fixed.replace(/^0:/, '').replace(/\.azl3$/, '')}`,
      )
      .sort();
    expect(read).toEqual(fromTitles);
    expect(read.length).toBe(1221); // one definition is "Not Applicable"
  });

  it('lists the fixes between two versions: above the installed one, at most the target', () => {
    // oath-toolkit: CVE-2024-47191 fixed in 2.6.7-3 (hand-read).
    const at = (v: string) => parseEvr(v);
    const ids = (installed: string, target: string) =>
      oval.fixesBetween('oath-toolkit', at(installed), at(target)).map((f) => f.cve);
    expect(ids('2.6.7-2.azl3', '2.6.7-3.azl3')).toContain('CVE-2024-47191');
    expect(ids('2.6.7-3.azl3', '2.6.7-4.azl3')).not.toContain('CVE-2024-47191');
    expect(ids('2.6.7-1.azl3', '2.6.7-2.azl3')).not.toContain('CVE-2024-47191');
    // Stored and rebuilt, the index answers the same.
    const again = ovalFromFixes(oval.fixes);
    expect(again.fixesBetween('oath-toolkit', at('2.6.7-2.azl3'), at('2.6.7-3.azl3'))).toEqual(
      oval.fixesBetween('oath-toolkit', at('2.6.7-2.azl3'), at('2.6.7-3.azl3')),
    );
    expect(again.severityOf('CVE-2024-2398', 'cmake')).toBe('medium');
  });

  it('rejects a document that is not OVAL', () => {
    expect(() => parseOval('<html><body>rate limited</body></html>')).toThrow(UpstreamError);
  });
});

function between(text: string, start: string, end: string): string {
  const i = text.indexOf(start);
  if (i === -1) return '';
  const from = i + start.length;
  return text.slice(from, text.indexOf(end, from));
}
