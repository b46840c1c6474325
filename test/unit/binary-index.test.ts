import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BinaryIndex } from '../../src/domain/binary-index.js';
import { describeSpecChange } from '../../src/domain/changeset.js';
import { parseSpec } from '../../src/domain/spec.js';
import { InputError } from '../../src/errors.js';
import type { SourceChange } from '../../src/domain/types.js';
import {
  answerKeyFiles,
  answerKeyInventoryPath,
  fixtureReleases,
  packageRows,
  packagesTsvText,
  readAnswerKey,
  specStub,
} from '../support/fixtures.js';

const answerFiles = answerKeyFiles();

/**
 * Binary names from `rpm -qa` NEVRA lines: drop `-version-release.arch`. `gpg-pubkey-<id>-<date>`
 * is rpm's pseudo-package for an imported signing key (no arch, not software); the answer keys
 * leave it out of every list, so the inventory parser must skip it too.
 */
function inventoryNames(answerFile: string): string[] {
  const text = readFileSync(answerKeyInventoryPath(answerFile), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split('-').slice(0, -2).join('-'))
    .filter((name) => name !== 'gpg-pubkey');
}

describe('BinaryIndex against the answer keys', () => {
  expect(answerFiles).toHaveLength(5);

  for (const file of answerFiles) {
    const key = readAnswerKey(file);

    it(`${file}: classifies exactly the unmapped binaries as untracked`, () => {
      const index = BinaryIndex.fromPackagesTsv(packagesTsvText(key.release));
      const names = inventoryNames(file);
      const untracked = [...new Set(names.filter((n) => !index.isTracked(n)))].sort();
      expect(untracked).toEqual([...key.unmapped_binaries].sort());
      expect(untracked.length).toBeGreaterThan(0);
    });

    it(`${file}: maps affected and behind packages to the answer's source package`, () => {
      const index = BinaryIndex.fromPackagesTsv(packagesTsvText(key.release));
      for (const p of [...key.affected, ...key.behind]) {
        expect(index.sourceOf(p.package), p.package).toBe(p.source_package);
      }
    });
  }
});

describe('BinaryIndex claims and updates', () => {
  const tag = '3.0.20260429-3.0';
  const index = BinaryIndex.fromPackagesTsv(packagesTsvText(tag));

  it('prefers SPECS/kernel over the SPECS-SIGNED repackaging for the kernel binary', () => {
    expect(index.sourcesOf('kernel')).toEqual(['kernel', 'kernel-signed-x86_64']);
    expect(index.sourceOf('kernel')).toBe('kernel');
    expect(index.sourceOf('systemd-boot')).toBe('systemd');
    expect(index.sourceOf('grub2-efi-binary')).toBe('grub2');
    expect(index.sourceOf('xorg-x11-server-Xwayland')).toBe('xorg-x11-server-Xwayland');
    expect(index.sourceOf('blobfuse2')).toBeUndefined();
  });

  it("withChanges turns each release's older index into its newer one", () => {
    for (const release of fixtureReleases()) {
      if (!release.previous_tag || !release.changes) continue;
      const changes = release.changes
        .map((c) =>
          describeSpecChange({
            specPath: c.spec_path,
            from: c.from_blob ? parseSpec(specStub(c.from_blob)) : null,
            to: c.to_blob ? parseSpec(specStub(c.to_blob)) : null,
            hints: { byCve: new Map(), byPackage: new Map() },
          }),
        )
        .filter((c): c is SourceChange => c !== null);
      const updated = BinaryIndex.fromPackagesTsv(
        packagesTsvText(release.previous_tag),
      ).withChanges(changes);
      const expected = BinaryIndex.fromPackagesTsv(packagesTsvText(release.tag));
      const names = new Set(
        [
          ...packageRows(release.previous_tag).values(),
          ...packageRows(release.tag).values(),
        ].flatMap((r) => r.binaries),
      );
      for (const name of names) {
        expect(updated.sourcesOf(name), `${release.tag} ${name}`).toEqual(expected.sourcesOf(name));
      }
      expect(updated.size).toBe(expected.size);
    }
  });

  it('drops the binaries of a removed spec', () => {
    const fwctl = fixtureReleases()
      .flatMap((r) => r.changes ?? [])
      .find((c) => c.kind === 'removed' && c.source_package === 'fwctl');
    const before = BinaryIndex.fromPackagesTsv(packagesTsvText('3.0.20251206-3.0'));
    expect(before.isTracked('fwctl')).toBe(true);
    const removed: SourceChange = {
      sourcePackage: 'fwctl',
      kind: 'removed',
      from: fwctl?.from ?? null,
      to: null,
      specPath: fwctl?.spec_path ?? '',
      binaries: [{ name: 'fwctl', evr: fwctl?.from ?? '' }],
      cves: [],
      severity: 'unknown',
    };
    expect(before.withChanges([removed]).isTracked('fwctl')).toBe(false);
    expect(before.isTracked('fwctl')).toBe(true); // the original index is unchanged
  });

  it('rejects a TSV without the expected header or columns, with the line number', () => {
    expect(() => BinaryIndex.fromPackagesTsv('name\tversion\n')).toThrow(InputError);
    const bad = `${packagesTsvText(tag).split('\n')[0]}\nonly-one-column\n`;
    expect(() => BinaryIndex.fromPackagesTsv(bad)).toThrow(/line 2/);
  });
});
