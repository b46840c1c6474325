import { describe, expect, it } from 'vitest';
import { changelogCves, cvesNewlyFixed } from '../../../src/domain/changelog.js';
import { parseEvr } from '../../../src/domain/rpmvercmp.js';
import { parseSpec } from '../../../src/domain/spec.js';
import { answerKeyFiles, packageRows, readAnswerKey, specStub } from '../../support/fixtures.js';

describe('cvesNewlyFixed against the answer keys', () => {
  for (const file of answerKeyFiles()) {
    const key = readAnswerKey(file);
    it(`${file}: the CVE set of every outdated package, from the spec at the tag`, () => {
      const specs = new Map(
        [...packageRows(key.release).values()].map((r) => [r.sourcePackage, r]),
      );
      for (const item of key.behind) {
        const sha = specs.get(item.source_package)?.specBlobSha ?? '';
        const changelog = changelogCves(parseSpec(specStub(sha)));
        expect(cvesNewlyFixed(changelog, parseEvr(item.installed)), item.package).toEqual(
          [...item.cves].sort(),
        );
      }
    });
  }
});

describe('cvesNewlyFixed by hand', () => {
  const log = (...entries: [string | null, string[]][]) =>
    entries.map(([evr, cves]) => ({ evr, cves }));

  it('subtracts what entries at or below the installed version already named', () => {
    const changelog = log(
      ['2.1.6-1', ['CVE-2024-25621', 'CVE-2026-35469']],
      ['2.0.0-18', ['CVE-2024-25621']],
    );
    expect(cvesNewlyFixed(changelog, parseEvr('2.0.0-18.azl3'))).toEqual(['CVE-2026-35469']);
  });

  it('puts an entry without an EVR on the side of the entries around it', () => {
    // curl's "Wed May 26 2021 ... - branch)" header names no version.
    const changelog = log(
      ['8.11.1-6', ['CVE-2026-1965']],
      ['7.76.0-3', []],
      [null, ['CVE-2021-22898']],
      ['7.76.0-1', ['CVE-2021-22876']],
    );
    expect(cvesNewlyFixed(changelog, parseEvr('8.11.1-5.azl3'))).toEqual(['CVE-2026-1965']);
    expect(cvesNewlyFixed(changelog, parseEvr('7.75.0-1.azl3'))).toEqual([
      'CVE-2021-22876',
      'CVE-2021-22898',
      'CVE-2026-1965',
    ]);
  });

  it('ignores epochs, which changelog headers write inconsistently', () => {
    const changelog = log(['10.11.15-1', ['CVE-2026-1']], ['10.11.14-1', ['CVE-2025-9']]);
    expect(cvesNewlyFixed(changelog, parseEvr('3:10.11.14-1.azl3'))).toEqual(['CVE-2026-1']);
  });
});
