/**
 * The git objects of microsoft/azurelinux at each fixture tag, rebuilt from the real data:
 * every spec path with its real blob sha (packages-<tag>.tsv), the real spec contents
 * (spec-stubs/), plus a few non-spec files so clients must filter. Trees are
 * content-addressed, so a directory that did not change between two tags keeps its sha,
 * as in git. Built once per process: the objects are immutable, like git's.
 */
import { createHash } from 'node:crypto';
import {
  fixturePackages,
  fixtureReleases,
  fixtureSpecStubs,
  type FixturePackage,
} from './fixture-data.js';

export interface TreeEntry {
  name: string;
  mode: '100644' | '040000';
  type: 'blob' | 'tree';
  sha: string;
  /** Blob size in bytes; absent for trees, as in GitHub's answers. */
  size?: number;
}

export interface GitRepo {
  blobs: Map<string, Buffer>;
  trees: Map<string, TreeEntry[]>;
  /** Tag name or commit sha → root tree sha. */
  roots: Map<string, string>;
}

function sha1(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex');
}

/** The sha git gives a blob with these bytes. */
export function gitBlobSha(content: Buffer): string {
  return sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
}

/**
 * Stubs exist only for specs involved in a version change, but GitHub serves every blob in
 * a tree (e.g. python-openstackdocstheme's spec changed blob in 3.0.20260119-3.0 without a
 * version change). For those the fake writes a minimal spec from the package row, in the
 * same shape as the real stubs.
 */
function specFromRow(row: FixturePackage): string {
  const epochSplit = row.evr.match(/^(?:(\d+):)?(.+)-([^-]+)$/);
  const [, epoch, version = row.evr, release = '1'] = epochSplit ?? [];
  const lines = [`Name:           ${row.sourcePackage}`];
  if (epoch !== undefined) lines.push(`Epoch:          ${epoch}`);
  lines.push(`Version:        ${version}`, `Release:        ${release}%{?dist}`, '');
  for (const bin of row.binaries) {
    if (bin !== row.sourcePackage) lines.push(`%package -n ${bin}`);
  }
  lines.push('', '%changelog', '');
  return lines.join('\n');
}

/** Real azurelinux keeps a `<spec>.signatures.json` next to every spec; it changes with the sources. */
function signaturesFor(row: FixturePackage): Buffer {
  const version = row.evr.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
  const archive = `${row.sourcePackage}-${version}.tar.gz`;
  const digest = createHash('sha256').update(archive).digest('hex');
  return Buffer.from(JSON.stringify({ Signatures: { [archive]: digest } }, null, 2) + '\n');
}

const STATIC_FILES: Record<string, string> = {
  'README.md': '# Azure Linux\n\nThe Linux distribution for Microsoft cloud infrastructure.\n',
  'LICENSE.md': 'MIT License\n',
  'toolkit/Makefile': '# Azure Linux build toolkit\nall: ;\n',
};

function buildTree(
  files: Map<string, { sha: string; size: number }>,
  trees: Map<string, TreeEntry[]>,
): string {
  interface Dir {
    dirs: Map<string, Dir>;
    blobs: Map<string, { sha: string; size: number }>;
  }
  const root: Dir = { dirs: new Map(), blobs: new Map() };
  for (const [filePath, blob] of files) {
    const parts = filePath.split('/');
    const name = parts.pop() ?? filePath;
    let dir = root;
    for (const part of parts) {
      let next = dir.dirs.get(part);
      if (!next) {
        next = { dirs: new Map(), blobs: new Map() };
        dir.dirs.set(part, next);
      }
      dir = next;
    }
    dir.blobs.set(name, blob);
  }
  const write = (dir: Dir): string => {
    const entries: TreeEntry[] = [];
    for (const [name, sub] of dir.dirs) {
      entries.push({ name, mode: '040000', type: 'tree', sha: write(sub) });
    }
    for (const [name, blob] of dir.blobs) {
      entries.push({ name, mode: '100644', type: 'blob', sha: blob.sha, size: blob.size });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const sha = sha1(
      'tree\n' + entries.map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.name}`).join('\n'),
    );
    trees.set(sha, entries);
    return sha;
  };
  return write(root);
}

const repoCache = new Map<string, GitRepo>();

/** A line's fixture repository; shared read-only by every fake instance in the process. */
export function fixtureGitRepo(line = '3.0'): GitRepo {
  const cached = repoCache.get(line);
  if (cached) return cached;
  const stubs = fixtureSpecStubs(line);
  const blobs = new Map<string, Buffer>();
  const trees = new Map<string, TreeEntry[]>();
  const roots = new Map<string, string>();
  const addBlob = (content: Buffer, sha = gitBlobSha(content)) => {
    if (!blobs.has(sha)) blobs.set(sha, content);
    return { sha, size: blobs.get(sha)?.length ?? content.length };
  };
  for (const release of fixtureReleases(line)) {
    const files = new Map<string, { sha: string; size: number }>();
    for (const [filePath, text] of Object.entries(STATIC_FILES)) {
      files.set(filePath, addBlob(Buffer.from(text)));
    }
    const rows = fixturePackages(release.tag);
    for (const row of rows) {
      const stub = stubs.get(row.specBlobSha);
      files.set(row.specPath, addBlob(Buffer.from(stub ?? specFromRow(row)), row.specBlobSha));
      files.set(row.specPath.replace(/\.spec$/, '.signatures.json'), addBlob(signaturesFor(row)));
    }
    // cgmanifest.json lists every package, so like the real one it changes every release.
    const manifest = rows.map((r) => ({ name: r.sourcePackage, version: r.evr }));
    files.set('cgmanifest.json', addBlob(Buffer.from(JSON.stringify(manifest) + '\n')));
    const root = buildTree(files, trees);
    roots.set(release.tag, root);
    roots.set(release.commit, root);
  }
  const repo = { blobs, trees, roots };
  repoCache.set(line, repo);
  return repo;
}

/** Depth-first listing like `git ls-tree -r -t`: a tree entry comes right before its contents. */
export function walkTree(
  repo: GitRepo,
  treeSha: string,
  visit: (path: string, entry: TreeEntry) => boolean,
  prefix = '',
): boolean {
  for (const entry of repo.trees.get(treeSha) ?? []) {
    const entryPath = prefix + entry.name;
    if (!visit(entryPath, entry)) return false;
    if (entry.type === 'tree' && !walkTree(repo, entry.sha, visit, `${entryPath}/`)) return false;
  }
  return true;
}
