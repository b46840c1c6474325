/**
 * One-off generator for the inventory format fixtures. It rewrites the real gen2 `rpm -qa`
 * list as the other formats a user may hand us, so every format can be checked against the
 * same real package set. Its NEVRA split is written independently of src/ on purpose: the
 * fixtures must not be derived from the code they test.
 *
 * Run from the repository root: node test/support/make-inventory-fixtures.js
 * Outputs are committed under test/fixtures/inventories/.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const dir = 'test/fixtures/inventories';
const nevraLines = readFileSync(`${dir}/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt`, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');

/**
 * Binary package name -> source package, and source -> its spec's Epoch, from the real
 * 3.0.20260414-3.0 tag the node image was built from. Plain `rpm -qa` hides the epoch; the
 * formats below carry it (%{EPOCHNUM}, the purl's `epoch=`), so they state the real one
 * (ca-certificates is `Epoch: 1`).
 */
const sourceOf = new Map();
const epochOfSource = new Map();
for (const row of readFileSync('test/fixtures/azurelinux-3.0/packages-3.0.20260414-3.0.tsv', 'utf8')
  .split('\n')
  .slice(1)) {
  const [source, evr, , , binaries] = row.split('\t');
  if (!source || !binaries) continue;
  epochOfSource.set(source, Number(/^(\d+):/.exec(evr ?? '')?.[1] ?? 0));
  for (const b of binaries.split(',')) if (!sourceOf.has(b)) sourceOf.set(b, source);
}

const NEVRA = /^(.+)-(?:(\d+):)?([^-]+)-([^-]+)\.(x86_64|aarch64|noarch|i686)$/;
const PUBKEY = /^(gpg-pubkey)-([^-]+)-([^-]+)$/;

const packages = nevraLines.map((line) => {
  const m = NEVRA.exec(line);
  if (m) {
    const [, name, epoch, version, release, arch] = m;
    const source = sourceOf.get(name) ?? name;
    return {
      line,
      name,
      epoch: Number(epoch ?? epochOfSource.get(source) ?? 0),
      version,
      release,
      arch,
      srpm: `${source}-${version}-${release}.src.rpm`,
    };
  }
  const k = PUBKEY.exec(line);
  if (!k) throw new Error(`unexpected line ${line}`);
  return {
    line,
    name: k[1],
    epoch: 0,
    version: k[2],
    release: k[3],
    arch: undefined,
    srpm: undefined,
  };
});

// (b) the rich query; rpm prints (none) for the arch and source of gpg-pubkey.
writeFileSync(
  `${dir}/gen2.rpm-qf.txt`,
  packages
    .map((p) =>
      [p.name, p.epoch, p.version, p.release, p.arch ?? '(none)', p.srpm ?? '(none)'].join('|'),
    )
    .join('\n') + '\n',
);

/** A purl as syft writes it for an rpm from the rpm database. */
function purlOf(p) {
  const q = [];
  if (p.arch) q.push(`arch=${p.arch}`);
  q.push('distro=azurelinux-3.0');
  if (p.epoch) q.push(`epoch=${p.epoch}`);
  if (p.srpm) q.push(`upstream=${encodeURIComponent(p.srpm)}`);
  const version = encodeURIComponent(`${p.version}-${p.release}`);
  return `pkg:rpm/azurelinux/${encodeURIComponent(p.name)}@${version}?${q.join('&')}`;
}

const versionOf = (p) => `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
const refOf = (p, i) =>
  `pkg:rpm/azurelinux/${p.name}@${versionOf(p)}?package-id=${i.toString(16).padStart(16, '0')}`;

// (d) CycloneDX 1.6 as `syft -o cyclonedx-json` lays it out, with a few non-rpm components
// (the OS, a Go module, a file) that the parser must skip.
const cdx = {
  $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  serialNumber: 'urn:uuid:6f1f2c52-8f0e-4a8c-9b89-5f0c1d2e3a41',
  version: 1,
  metadata: {
    timestamp: '2026-04-13T08:31:32Z',
    tools: {
      components: [{ type: 'application', author: 'anchore', name: 'syft', version: '1.26.1' }],
    },
    component: {
      'bom-ref': 'aks-node',
      type: 'operating-system',
      name: 'aks-azurelinuxv3-gen2',
      version: '202604.13.0',
    },
  },
  components: [
    ...packages.map((p, i) => ({
      'bom-ref': refOf(p, i),
      type: 'library',
      publisher: 'Microsoft Corporation',
      name: p.name,
      version: versionOf(p),
      purl: purlOf(p),
      properties: [
        { name: 'syft:package:foundBy', value: 'rpm-db-cataloger' },
        { name: 'syft:package:type', value: 'rpm' },
        { name: 'syft:package:metadataType', value: 'rpm-db-entry' },
        ...(p.srpm ? [{ name: 'syft:metadata:sourceRpm', value: p.srpm }] : []),
      ],
    })),
    {
      'bom-ref': 'os-azurelinux',
      type: 'operating-system',
      name: 'azurelinux',
      version: '3.0',
      description: 'Microsoft Azure Linux 3.0',
    },
    {
      'bom-ref': 'go-module-containerd',
      type: 'library',
      name: 'github.com/containerd/containerd/v2',
      version: 'v2.0.0',
      purl: 'pkg:golang/github.com/containerd/containerd/v2@v2.0.0',
    },
    { 'bom-ref': 'file-os-release', type: 'file', name: '/etc/os-release' },
  ],
};
writeFileSync(`${dir}/gen2.cdx.json`, JSON.stringify(cdx, null, 2) + '\n');

// (e) SPDX 2.3 as `syft -o spdx-json` lays it out: a CPE ref next to the purl ref, and a
// non-rpm package that the parser must skip.
const spdxId = (p, i) => `SPDXRef-Package-rpm-${p.name.replace(/[^A-Za-z0-9.-]/g, '-')}-${i}`;
const spdx = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'aks-azurelinuxv3-gen2-202604.13.0',
  documentNamespace:
    'https://anchore.com/syft/dir/aks-azurelinuxv3-gen2-6f1f2c52-8f0e-4a8c-9b89-5f0c1d2e3a41',
  creationInfo: {
    licenseListVersion: '3.25',
    creators: ['Organization: Anchore, Inc', 'Tool: syft-1.26.1'],
    created: '2026-04-13T08:31:32Z',
  },
  packages: [
    ...packages.map((p, i) => ({
      name: p.name,
      SPDXID: spdxId(p, i),
      versionInfo: versionOf(p),
      supplier: 'Organization: Microsoft Corporation',
      originator: 'Organization: Microsoft Corporation',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      sourceInfo: 'acquired package info from RPM DB: /var/lib/rpm/rpmdb.sqlite',
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      externalRefs: [
        {
          referenceCategory: 'SECURITY',
          referenceType: 'cpe23Type',
          referenceLocator: `cpe:2.3:a:microsoft:${p.name}:${p.version}:*:*:*:*:*:*:*`,
        },
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: purlOf(p),
        },
      ],
    })),
    {
      name: 'github.com/containerd/containerd/v2',
      SPDXID: 'SPDXRef-Package-go-module-containerd',
      versionInfo: 'v2.0.0',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: 'pkg:golang/github.com/containerd/containerd/v2@v2.0.0',
        },
      ],
    },
  ],
  relationships: packages.map((p, i) => ({
    spdxElementId: 'SPDXRef-DOCUMENT',
    relationshipType: 'DESCRIBES',
    relatedSpdxElement: spdxId(p, i),
  })),
};
writeFileSync(`${dir}/gen2.spdx.json`, JSON.stringify(spdx, null, 2) + '\n');
