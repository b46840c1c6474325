/** Readers for the real Azure Linux 3.0 release data under test/fixtures/azurelinux-3.0. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const AZL = join(FIXTURES, 'azurelinux-3.0');

export interface RecordedChange {
  source_package: string;
  from: string | null;
  to: string | null;
  spec_path: string;
  from_blob: string | null;
  to_blob: string | null;
  kind: 'added' | 'updated' | 'removed';
  cves: string[];
  changelog: string[];
}

export interface RecordedRelease {
  tag: string;
  commit: string;
  date: string;
  previous_tag?: string;
  changes?: RecordedChange[];
  commits?: { sha: string; subject: string; pr: number | null }[];
  files?: { filename: string; status: string }[];
}

export interface PackageRow {
  sourcePackage: string;
  evr: string;
  specPath: string;
  blobSha: string;
  binaries: string[];
}

export function readReleases(): RecordedRelease[] {
  return JSON.parse(readFileSync(join(AZL, 'releases.json'), 'utf8')) as RecordedRelease[];
}

export function packagesTsvText(tag: string): string {
  return readFileSync(join(AZL, `packages-${tag}.tsv`), 'utf8');
}

/** Rows of packages-<tag>.tsv keyed by spec path. */
export function packageRows(tag: string): Map<string, PackageRow> {
  const rows = new Map<string, PackageRow>();
  for (const line of packagesTsvText(tag).split('\n').slice(1)) {
    if (line === '') continue;
    const [sourcePackage = '', evr = '', specPath = '', blobSha = '', binaries = ''] =
      line.split('\t');
    rows.set(specPath, {
      sourcePackage,
      evr,
      specPath,
      blobSha,
      binaries: binaries ? binaries.split(',') : [],
    });
  }
  return rows;
}

export function specStub(blobSha: string): string {
  return readFileSync(join(AZL, 'spec-stubs', `${blobSha}.spec`), 'utf8');
}

export function realSpec(file: string): string {
  return readFileSync(join(FIXTURES, 'real-specs', file), 'utf8');
}
