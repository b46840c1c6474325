import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inventoryLine, lineOfDist } from '../../../../src/domain/inventory/distro.js';
import { parseInventory } from '../../../../src/domain/inventory/index.js';
import { UnprocessableError } from '../../../../src/errors.js';
import { answerKeyFiles, answerKeyInventoryPath } from '../../../support/fixtures.js';

const lineOf = (text: string) => inventoryLine(parseInventory(text));

describe('the release line an inventory belongs to, from its dist tags', () => {
  it('reads 3.0 from every real AKS node inventory', () => {
    for (const file of answerKeyFiles()) {
      expect(lineOf(readFileSync(answerKeyInventoryPath(file), 'utf8')), file).toBe('3.0');
    }
  });

  it('maps .azl3 to 3.0 and .cm2/.cm1 to 2.0/1.0, and nothing else', () => {
    expect(lineOfDist('5.azl3')).toBe('3.0');
    expect(lineOfDist('1.cm2')).toBe('2.0');
    expect(lineOfDist('3.cm1')).toBe('1.0');
    expect(lineOfDist('1.cm2.1')).toBe('2.0');
    expect(lineOfDist('1.fc40')).toBeNull();
    expect(lineOfDist('20250818.4601fb2.azurelinux.3.0')).toBeNull(); // overlaybd: not a dist tag
  });

  it('ignores packages without any dist tag (blobfuse2, gpg-pubkey)', () => {
    expect(
      lineOf('gpg-pubkey-3135ce90-5e6fda74\nblobfuse2-2.5.3-1.x86_64\nbash-5.2.15-3.cm2.x86_64\n'),
    ).toBe('2.0');
  });

  it('refuses a list of another distribution, naming it and the line', () => {
    const fedora = 'bash-5.2.26-3.fc40.x86_64\nglibc-2.39-8.fc40.x86_64\n';
    expect(() => lineOf(fedora)).toThrow(UnprocessableError);
    expect(() => lineOf(fedora)).toThrow(
      /^line 1: not an Azure Linux inventory: .*\.azl3.*; it looks like Fedora 40 \(bash 5\.2\.26-3\.fc40\)$/,
    );
    expect(() => lineOf('openssl-3.0.7-27.el9.x86_64\n')).toThrow(/RHEL-compatible 9/);
  });

  it('refuses two lines mixed, with counts and where each starts', () => {
    const mixed = 'bash-5.2.15-3.azl3.x86_64\nsed-4.9-1.azl3.x86_64\ncurl-8.8.0-2.cm2.x86_64\n';
    expect(() => lineOf(mixed)).toThrow(
      'the inventory mixes Azure Linux lines: 3.0 (.azl3, 2 packages, first line 1: bash) and 2.0 (.cm2, 1 package, first line 3: curl); give one machine or image per inventory',
    );
  });
});

describe('duplicate lines', () => {
  it('are counted once, and counted', () => {
    const inv = parseInventory(
      'sed-4.9-1.azl3.x86_64\nsed-4.9-1.azl3.x86_64\nbash-5.2.15-3.azl3.x86_64\n',
    );
    expect(inv.packages.map((p) => p.name)).toEqual(['sed', 'bash']);
    expect(inv.duplicates).toBe(1);
  });

  it('keep two architectures of one package apart', () => {
    const inv = parseInventory('glibc-2.38-9.azl3.x86_64\nglibc-2.38-9.azl3.i686\n');
    expect(inv.packages).toHaveLength(2);
    expect(inv.duplicates).toBeUndefined();
  });
});
