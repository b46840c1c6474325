/**
 * One-off generator for the Azure Linux 2.0 fixtures: a 2.0 node's package list and its
 * expected answer against 2.0.20260203-2.0, both from the real 2.0 tables alone
 * (test/fixtures/azurelinux-2.0). Nothing here uses src/: the expected answer must not come
 * from the code it checks.
 *
 * The node: every binary of the real AKS gen2 3.0 node list that a 2.0 spec also builds, at
 * its 2.0.20251206-2.0 version (the last 2.0 node image, 202512.06.0, was built that week),
 * with `.cm2` and the arch of the 3.0 line; the four subpackages the issue names
 * (lua-libs, python3-urllib3, net-snmp-libs, nmap-ncat); two packages from other Microsoft
 * repositories (blobfuse2, acr-mirror, no dist tag) and the key pseudo-package. Plain
 * `rpm -qa` hides epochs, so lines carry none.
 *
 * The answer, in the layout of ../shared/data/answers (README there): a package is behind
 * when its source's version at the tag differs from the installed one (every 2.0 change in
 * these releases is an update to a newer version, checked below), affected when the tag
 * itself changed that source. Its CVEs are, for each release after 2.0.20251206-2.0 that
 * changed the source, the ids of the changelog entries it added (releases.json) minus the ids
 * the rest of the new spec's changelog names (the stub): what test/support/fixtures.ts
 * `newlyFixed` does, as plain text operations.
 *
 * Run from the repository root: node test/support/make-2.0-fixtures.js
 */
import { readFileSync, writeFileSync } from 'node:fs';

const DIR = 'test/fixtures/azurelinux-2.0';
const BASE = '2.0.20251206-2.0';
const TARGET = '2.0.20260203-2.0';
const INVENTORY = 'test/fixtures/derived/azurelinux2-node-20251206.rpm-qa.txt';
const KEY = `test/fixtures/derived/azurelinux2-node-20251206__${TARGET}.json`;

function table(tag) {
  const rows = [];
  for (const line of readFileSync(`${DIR}/packages-${tag}.tsv`, 'utf8').split('\n').slice(1)) {
    const [source, evr, path, , binaries] = line.split('\t');
    if (source && binaries !== undefined)
      rows.push({ source, evr, path, binaries: binaries.split(',') });
  }
  return rows;
}

const bySourceAt = (tag) => new Map(table(tag).map((r) => [r.source, r]));
const base = table(BASE);
const sourceOfBinary = new Map();
for (const row of base)
  for (const b of row.binaries) if (!sourceOfBinary.has(b)) sourceOfBinary.set(b, row);

const gen2 = readFileSync(
  'test/fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt',
  'utf8',
)
  .split('\n')
  .filter(Boolean);
const NEVRA = /^(.+)-[^-]+-[^-]+\.(x86_64|noarch)$/;
const archOf = new Map();
for (const line of gen2) {
  const m = NEVRA.exec(line);
  if (m) archOf.set(m[1], m[2]);
}
for (const name of ['lua-libs', 'python3-urllib3', 'net-snmp-libs', 'nmap-ncat']) {
  if (!archOf.has(name)) archOf.set(name, 'x86_64');
}

const withoutEpoch = (evr) => evr.replace(/^\d+:/, '');
const installed = [];
for (const [name, arch] of [...archOf].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  const row = sourceOfBinary.get(name);
  if (!row) continue;
  installed.push({ name, row, line: `${name}-${withoutEpoch(row.evr)}.cm2.${arch}` });
}
const foreign = gen2.filter((l) => /^(blobfuse2|acr-mirror|gpg-pubkey)-/.test(l));
writeFileSync(INVENTORY, [...installed.map((p) => p.line), ...foreign].join('\n') + '\n');

// ---- the expected answer ----
const releases = JSON.parse(readFileSync(`${DIR}/releases.json`, 'utf8'));
const hops = releases.slice(
  releases.findIndex((r) => r.tag === BASE) + 1,
  releases.findIndex((r) => r.tag === TARGET) + 1,
);
for (const hop of hops) {
  for (const c of hop.changes ?? []) {
    if (c.kind !== 'updated')
      throw new Error(`${hop.tag} ${c.source_package}: ${c.kind}, not an update`);
  }
}

function newlyFixed(change) {
  const text = readFileSync(`${DIR}/spec-stubs/${change.to_blob}.spec`, 'utf8');
  let rest = text.slice(text.indexOf('%changelog'));
  for (const line of change.changelog) rest = rest.replace(line, '');
  const older = new Set((rest.match(/CVE-\d{4}-\d{4,}/gi) ?? []).map((id) => id.toUpperCase()));
  return change.cves.filter((id) => !older.has(id));
}

const at = bySourceAt(TARGET);
const changedInTarget = new Set((hops.at(-1).changes ?? []).map((c) => c.source_package));
const behind = [];
for (const p of installed) {
  const now = at.get(p.row.source);
  if (!now || now.evr === p.row.evr) continue;
  const cves = new Set();
  for (const hop of hops) {
    for (const c of hop.changes ?? [])
      if (c.source_package === p.row.source) newlyFixed(c).forEach((id) => cves.add(id));
  }
  behind.push({
    package: p.name,
    installed: `${withoutEpoch(p.row.evr)}.cm2`,
    source_package: p.row.source,
    available: `${now.evr}.cm2`,
    changed_in_release: changedInTarget.has(p.row.source),
    cves: [...cves].sort(),
  });
}
const key = {
  release: TARGET,
  semantics:
    'cves newly fixed relative to the installed version; derived from the 2.0 package tables, releases.json and spec stubs by test/support/make-2.0-fixtures.js (not a librpm key)',
  affected: behind.filter((b) => b.changed_in_release),
  behind,
  unmapped_binaries: foreign
    .map((l) => l.replace(/-[^-]+-[^-]+(\.[^.]+)?$/, ''))
    .filter((n) => n !== 'gpg-pubkey')
    .sort(),
};
writeFileSync(KEY, JSON.stringify(key, null, 1) + '\n');
console.log(
  `${INVENTORY}: ${installed.length + foreign.length} packages; ${KEY}: ${key.affected.length} affected, ${behind.length} behind`,
);
