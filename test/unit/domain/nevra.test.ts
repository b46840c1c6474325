import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { parseNevra, sourceNameFromSrpm } from '../../../src/domain/nevra.js';

describe('parseNevra', () => {
  it('splits names with dashes from version, release and arch', () => {
    expect(parseNevra('libpcre2-posix2-10.42-3.azl3.x86_64')).toEqual({
      name: 'libpcre2-posix2',
      evr: { epoch: 0, version: '10.42', release: '3.azl3' },
      arch: 'x86_64',
    });
    expect(parseNevra('perl-Text-Tabs+Wrap-2021.0814-509.azl3.noarch')).toMatchObject({
      name: 'perl-Text-Tabs+Wrap',
      arch: 'noarch',
    });
  });

  it('keeps dotted non-Azure-Linux releases whole', () => {
    expect(parseNevra('overlaybd-1.0.16-20250818.4601fb2.azurelinux.3.0.aarch64')).toEqual({
      name: 'overlaybd',
      evr: { epoch: 0, version: '1.0.16', release: '20250818.4601fb2.azurelinux.3.0' },
      arch: 'aarch64',
    });
  });

  it('reads an epoch written inside the NEVRA', () => {
    expect(parseNevra('datacenter-gpu-manager-4-core-1:4.5.2-1.x86_64').evr).toEqual({
      epoch: 1,
      version: '4.5.2',
      release: '1',
    });
  });

  it('gives gpg-pubkey, which rpm lists without an arch, no arch', () => {
    expect(parseNevra('gpg-pubkey-3135ce90-5e6fda74')).toEqual({
      name: 'gpg-pubkey',
      evr: { epoch: 0, version: '3135ce90', release: '5e6fda74' },
    });
  });

  it.each(['', 'bash', 'bash-5.2.15', '-5.2-1.x86_64', 'bash-5.2-.x86_64', 'ba sh-5.2-1.x86_64'])(
    'rejects %j',
    (s) => {
      expect(() => parseNevra(s)).toThrow(InputError);
    },
  );
});

describe('sourceNameFromSrpm', () => {
  it.each([
    ['openssh-9.8p1-5.azl3.src.rpm', 'openssh'],
    ['gcc-13.2.0-7.azl3.src.rpm', 'gcc'],
    ['389-ds-base-3.1.1-11.azl3.src.rpm', '389-ds-base'],
    ['blobfuse2-2.5.3-1.src.rpm', 'blobfuse2'],
    ['elasticsearch-8.17.0-1-src.rpm', 'elasticsearch'],
    ['1:bar-9-123a.src.rpm', 'bar'],
    ['(none)', undefined],
    ['', undefined],
    ['openssh.src.rpm', undefined],
    ['not-an-rpm', undefined],
  ])('%j -> %j', (srpm, want) => {
    expect(sourceNameFromSrpm(srpm)).toBe(want);
  });
});
