import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { parseOval } from '../../src/domain/oval.js';
import { FIXTURES } from '../support/fixtures.js';

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

  it('matches hand-verified definitions', () => {
    // Read from the XML by eye: oath-toolkit/CVE-2024-47191 High, golang/CVE-2023-29402
    // Critical, hyperv-daemons/CVE-2023-52661 Low, curl/CVE-2024-2398 High and
    // cmake/CVE-2024-2398 Medium (one CVE, two packages, two levels).
    expect(oval.severityOf('CVE-2024-47191', 'oath-toolkit')).toBe('high');
    expect(oval.severityOf('CVE-2023-29402', 'golang')).toBe('critical');
    expect(oval.severityOf('CVE-2023-52661')).toBe('low');
    expect(oval.severityOf('cve-2024-2398', 'curl')).toBe('high');
    expect(oval.severityOf('CVE-2024-2398', 'cmake')).toBe('medium');
    // Without a package, or for a package the feed does not list, the worst level counts.
    expect(oval.severityOf('CVE-2024-2398')).toBe('high');
    expect(oval.severityOf('CVE-2024-2398', 'kernel')).toBe('high');
    expect(oval.severityOf('CVE-2099-0001')).toBeNull();
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
