import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, InputError, TooLargeError } from '../../../../src/errors.js';
import {
  MAX_INVENTORY_BYTES,
  MAX_INVENTORY_PACKAGES,
  parseInventory,
} from '../../../../src/domain/inventory/index.js';
import { jsonSyntaxErrorOffset } from '../../../../src/domain/inventory/json-syntax.js';
import { formatEvr } from '../../../../src/domain/rpmvercmp.js';
import type { InstalledPackage, InventoryFormat } from '../../../../src/domain/types.js';

function fixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/inventories/${name}`, import.meta.url), 'utf8');
}

const RPM_QA = fixture('aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt');
const RPM_QA_LINES = RPM_QA.split('\n').filter((l) => l !== '');

/**
 * rpm -qa's own rendering of a package (its default query format has no epoch), to compare
 * against the original lines.
 */
function nevraOf(p: InstalledPackage): string {
  return `${p.name}-${formatEvr({ ...p.evr, epoch: 0 })}${p.arch === undefined ? '' : `.${p.arch}`}`;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

function inputErrorOf(fn: () => unknown): InputError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe('rpm -qa', () => {
  it('reads every real gen2 line back as the same NEVRA', () => {
    const inv = parseInventory(RPM_QA);
    expect(inv.format).toBe('rpm-qa');
    expect(inv.packages.map(nevraOf)).toEqual(RPM_QA_LINES);
  });

  it('skips blank lines and comments, and keeps duplicate name+arch entries', () => {
    const text = [
      '# two kernels, as after an update before reboot',
      '',
      'kernel-6.6.126.1-1.azl3.x86_64',
      '   ',
      'kernel-6.6.130.1-3.azl3.x86_64\r',
    ].join('\n');
    expect(parseInventory(text).packages.map(nevraOf)).toEqual([
      'kernel-6.6.126.1-1.azl3.x86_64',
      'kernel-6.6.130.1-3.azl3.x86_64',
    ]);
  });
});

describe('every format reads as the same package set as the rpm -qa original', () => {
  const expected = RPM_QA_LINES;
  it.each([
    ['gen2.rpm-qf.txt', 'rpm-qf'],
    ['aks-release-notes-gen2.txt', 'aks-release-notes'],
    ['gen2.cdx.json', 'cyclonedx'],
    ['gen2.spdx.json', 'spdx'],
  ] as const)('%s is detected as %s', (file, format) => {
    const inv = parseInventory(fixture(file));
    expect(inv.format).toBe(format);
    expect(inv.packages.map(nevraOf)).toEqual(expected);
  });

  it.each(['gen2.rpm-qf.txt', 'gen2.cdx.json', 'gen2.spdx.json'])(
    '%s carries the epoch plain rpm -qa hides (ca-certificates is Epoch: 1)',
    (file) => {
      const ca = parseInventory(fixture(file)).packages.find((p) => p.name === 'ca-certificates');
      expect(ca?.evr.epoch).toBe(1);
    },
  );
});

describe('source packages from the rich formats', () => {
  // Known from test/fixtures/azurelinux-3.0/packages-3.0.20260414-3.0.tsv (binary -> spec).
  const known: Record<string, string | undefined> = {
    libgcc: 'gcc',
    'libstdc++': 'gcc',
    'openssh-server': 'openssh',
    'python3-gpg': 'gpgme',
    'tdnf-plugin-repogpgcheck': 'tdnf',
    blobfuse2: 'blobfuse2',
    'gpg-pubkey': undefined,
  };

  it.each(['gen2.rpm-qf.txt', 'gen2.cdx.json', 'gen2.spdx.json'])('%s', (file) => {
    const byName = new Map(parseInventory(fixture(file)).packages.map((p) => [p.name, p]));
    for (const [name, source] of Object.entries(known)) {
      expect(byName.get(name)?.sourcePackage, name).toBe(source);
    }
  });

  it('plain rpm -qa names no source package', () => {
    expect(parseInventory(RPM_QA).packages.every((p) => p.sourcePackage === undefined)).toBe(true);
  });
});

describe('detection and explicit formats', () => {
  it('honours an explicit format', () => {
    expect(parseInventory(fixture('gen2.rpm-qf.txt'), { format: 'rpm-qf' }).format).toBe('rpm-qf');
    const err = inputErrorOf(() => parseInventory(RPM_QA, { format: 'cyclonedx' }));
    expect(err.line).toBe(1);
  });

  it('refuses JSON that is neither CycloneDX nor SPDX', () => {
    expect(inputErrorOf(() => parseInventory('{"packages": []}')).message).toMatch(
      /neither a CycloneDX/,
    );
  });

  it('reads rpm purls with an epoch qualifier and percent-encoding', () => {
    const cdx = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        {
          type: 'library',
          name: 'libstdc++',
          purl: 'pkg:rpm/azurelinux/libstdc%2B%2B@13.2.0-7.azl3?arch=x86_64&epoch=2&upstream=gcc-13.2.0-7.azl3.src.rpm',
        },
      ],
    });
    expect(parseInventory(cdx).packages).toEqual([
      {
        name: 'libstdc++',
        evr: { epoch: 2, version: '13.2.0', release: '7.azl3' },
        arch: 'x86_64',
        sourcePackage: 'gcc',
      },
    ]);
  });
});

describe('errors name the offending line', () => {
  it('rpm -qa', () => {
    const text = 'bash-5.2.15-3.azl3.x86_64\n\nthis is not a package\n';
    const err = inputErrorOf(() => parseInventory(text));
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/^line 3: /);
  });

  it('rpm --qf', () => {
    const text =
      'bash|0|5.2.15|3.azl3|x86_64|bash-5.2.15-3.azl3.src.rpm\nzlib|0|1.3.2|x86_64|zlib\n';
    const err = inputErrorOf(() => parseInventory(text));
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/6 '\|'-separated fields/);
    expect(inputErrorOf(() => parseInventory('bash|x|5.2|1|x86_64|(none)')).line).toBe(1);
  });

  it('release notes: the line number is the line in the whole file', () => {
    const lines = fixture('aks-release-notes-gen2.txt').split('\n');
    const begin = lines.indexOf('=== Installed Packages Begin');
    lines[begin + 5] = 'garbage';
    const err = inputErrorOf(() => parseInventory(lines.join('\n')));
    expect(err.line).toBe(begin + 6);
  });

  it('release notes without an end marker', () => {
    const text = 'Starting build\n=== Installed Packages Begin\nbash-5.2.15-3.azl3.x86_64\n';
    const err = inputErrorOf(() => parseInventory(text));
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/no matching/);
  });

  it('CycloneDX: a bad purl names its JSON path and line', () => {
    const text = fixture('gen2.cdx.json').replace(
      '"purl": "pkg:rpm/azurelinux/glibc@2.38-19.azl3?',
      '"purl": "pkg:rpm/azurelinux/glibc?',
    );
    const err = inputErrorOf(() => parseInventory(text));
    const line = text.split('\n').findIndex((l) => l.includes('"pkg:rpm/azurelinux/glibc?')) + 1;
    expect(err.line).toBe(line);
    expect(err.message).toContain('components[1].purl');
    expect(err.details.map((d) => d.path)).toEqual(['components[1].purl']);
  });

  it('SPDX: a bad purl names its JSON path and line', () => {
    const text = fixture('gen2.spdx.json').replace(
      'pkg:rpm/azurelinux/zlib@1.3.2-1.azl3?arch=x86_64',
      'pkg:rpm/azurelinux/zlib@1.3.2-1.azl3?arch=x86_64&epoch=one',
    );
    const err = inputErrorOf(() => parseInventory(text));
    const line = text.split('\n').findIndex((l) => l.includes('epoch=one')) + 1;
    expect(err.line).toBe(line);
    expect(err.message).toContain('packages[6].externalRefs[1].referenceLocator');
  });

  it('JSON syntax errors carry the line of the parse position', () => {
    const lines = fixture('gen2.cdx.json').split('\n');
    const target = lines.findIndex((l) => l.includes('"name": "zlib"'));
    lines[target] = lines[target]!.replace(/,$/, '');
    const err = inputErrorOf(() => parseInventory(lines.join('\n')));
    expect(err.message).toMatch(/invalid JSON/);
    expect(err.line).toBe(target + 2);
  });

  it('the JSON error locator agrees with JSON.parse on what is valid', () => {
    const texts = fc.oneof(
      fc.json(),
      fc.string(),
      fc.json().map((s) => s.slice(0, -1)),
      fc.jsonValue().map((v) => JSON.stringify(v, null, 2).replace(',', ';')),
    );
    fc.assert(
      fc.property(texts, (s) => {
        let valid = true;
        try {
          JSON.parse(s);
        } catch {
          valid = false;
        }
        expect(jsonSyntaxErrorOffset(s) === undefined).toBe(valid);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('empty and oversized inventories', () => {
  it.each([
    ['', 'rpm-qa'],
    ['# nothing here\n\n', 'rpm-qa'],
    ['=== Installed Packages Begin\n=== Installed Packages End\n', 'aks-release-notes'],
    [
      '{"bomFormat":"CycloneDX","components":[{"type":"file","name":"/etc/os-release"}]}',
      'cyclonedx',
    ],
    ['{"spdxVersion":"SPDX-2.3","packages":[]}', 'spdx'],
  ])('%j has no packages', (text, format) => {
    expect(inputErrorOf(() => parseInventory(text)).message).toBe(
      `no packages found (read as ${format})`,
    );
  });

  it('refuses more than 10 MB, counting UTF-8 bytes', () => {
    expect(thrown(() => parseInventory('#'.repeat(MAX_INVENTORY_BYTES + 1)))).toBeInstanceOf(
      TooLargeError,
    );
    // 4 million characters but 12 MB of UTF-8.
    const wide = `# ${'€'.repeat(4_000_000)}\nbash-5.2.15-3.azl3.x86_64\n`;
    expect(wide.length).toBeLessThan(MAX_INVENTORY_BYTES);
    expect(thrown(() => parseInventory(wide))).toBeInstanceOf(TooLargeError);
  });

  it('accepts 20,000 packages and refuses 20,001', () => {
    const lines = Array.from(
      { length: MAX_INVENTORY_PACKAGES },
      (_, i) => `pkg${i}-1.0-1.azl3.x86_64`,
    );
    expect(parseInventory(lines.join('\n')).packages).toHaveLength(20_000);
    lines.push('one-more-1.0-1.azl3.x86_64');
    expect(thrown(() => parseInventory(lines.join('\n')))).toBeInstanceOf(TooLargeError);
    const qf = lines.map((l) => `${l.split('-')[0]}|0|1.0|1.azl3|x86_64|(none)`).join('\n');
    expect(thrown(() => parseInventory(qf))).toBeInstanceOf(TooLargeError);
  });
});

describe('fuzz: only AppErrors escape', () => {
  const formats: (InventoryFormat | undefined)[] = [
    undefined,
    'rpm-qa',
    'rpm-qf',
    'aks-release-notes',
    'cyclonedx',
    'spdx',
  ];
  const option = fc.constantFrom(...formats).map((format) => (format ? { format } : {}));

  function onlyAppErrors(text: string, opts: { format?: InventoryFormat }): void {
    try {
      parseInventory(text, opts);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
  }

  const fragment = fc.constantFrom(
    ...RPM_QA_LINES.slice(0, 20),
    '=== Installed Packages Begin',
    '=== Installed Packages End',
    'a|0|1|1|x86_64|a-1-1.src.rpm',
    '|||||',
    'gpg-pubkey-3135ce90-5e6fda74',
    '# comment',
    '',
    '0:-',
    '{',
  );

  it('random text and mixed lines', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(fragment).map((l) => l.join('\n')),
        ),
        option,
        onlyAppErrors,
      ),
      { numRuns: 2000 },
    );
  });

  it('random JSON, including SBOM-shaped documents', () => {
    const purl = fc.oneof(
      fc.string(),
      fc.string().map((s) => `pkg:rpm/azurelinux/${s}`),
      fc.constantFrom('pkg:rpm/', 'pkg:rpm/a/b@', 'pkg:rpm/a/b@1-1?epoch=x', 'pkg:rpm/a/%zz@1'),
    );
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.record({
        bomFormat: fc.constant('CycloneDX'),
        components: fc.oneof(fc.jsonValue(), fc.array(fc.record({ purl }))),
      }),
      fc.record({
        spdxVersion: fc.constant('SPDX-2.3'),
        packages: fc.oneof(
          fc.jsonValue(),
          fc.array(
            fc.record({
              externalRefs: fc.array(
                fc.record({ referenceType: fc.constant('purl'), referenceLocator: purl }),
              ),
            }),
          ),
        ),
      }),
    );
    fc.assert(
      fc.property(doc, option, (value, opts) => onlyAppErrors(JSON.stringify(value), opts)),
      { numRuns: 2000 },
    );
  });
});
