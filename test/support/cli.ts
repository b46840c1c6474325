import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { AnswerKey } from './fixtures.js';

export const BIN = fileURLToPath(new URL('../../bin/azl-notifier.cjs', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `azl-notifier` executable (the compiled CLI, as `npx azl-notifier` would)
 * with a clean environment, so nothing from the developer's shell leaks into a test.
 */
export function runCli(
  args: string[],
  opts: {
    env?: Record<string, string>;
    stdin?: string | Buffer;
    cwd?: string;
    /** Run as this user (tests running as root use it to meet real permission errors). */
    uid?: number;
    /** Another executable than the repository's bin/, e.g. an installed package's. */
    bin?: string;
  } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  });
  // A CLI that refuses its input early closes stdin before reading it all: not the test's error.
  child.stdin.on('error', () => {});
  child.stdin.end(opts.stdin ?? '');
  return finished(child);
}

/** A child's exit code and everything it printed, once it has exited. */
export function finished(
  child: ChildProcessByStdio<Writable | null, Readable, Readable>,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The environment of a CLI run against a fake GitHub: a fresh cache unless one is given, and
 * no OVAL feed (the default one is on raw.githubusercontent.com, which tests never reach).
 */
export function cliEnv(
  github: { url: string; repoSlug: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    GITHUB_API_URL: github.url,
    AZL_REPO: github.repoSlug,
    AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-cache-')),
    AZL_OVAL_URL: 'off',
    ...extra,
  };
}

/** A file with this content in a fresh temporary directory. */
export function tmpFile(name: string, content: string | Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'azl-file-')), name);
  writeFileSync(file, content);
  return file;
}

/** An error is one line, the last on stderr, and never a stack trace. */
export function errorLine(stderr: string): string {
  expect(stderr).not.toMatch(/\n\s+at /);
  const lines = stderr.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** The shape `check --format json` documents (README), as the tests read it. */
export interface CheckUpdateJson {
  package: string;
  installed: string;
  fixed: string;
  sourcePackage: string;
  severity: string;
  cves: { id: string; severity: string; severitySource: string | null; sources: string[] }[];
}

export interface CheckJson {
  release: {
    tag: string;
    line: string;
    publishedAt: string;
    url: string;
    previousTag: string | null;
  };
  affected: CheckUpdateJson[];
  behind: CheckUpdateJson[];
  replaced: (CheckUpdateJson & {
    replacedBy: { package: string; version: string; sourcePackage: string; obsoletes: string };
  })[];
  noLongerShipped: {
    package: string;
    installed: string;
    sourcePackage: string;
    removedIn: string | null;
    lastVersion: string | null;
    reason: string;
    cves: CheckUpdateJson['cves'];
    severity: string;
  }[];
  untracked: string[];
  unknown: { package: string; installed: string; reason: string }[];
  notices: string[];
  feed?: { generatedAt: string | null; stale: string | null };
  summary: {
    current: number;
    replaced: number;
    noLongerShipped: number;
    unknown: number;
    untracked: number;
    unfixed: { cves: number; bySeverity: Record<string, number> };
    affected: number;
    behind: number;
    cves: number;
    bySeverity: Record<string, number>;
    release: { cves: number; bySeverity: Record<string, number> };
  };
  ignored: {
    list: string;
    package: string;
    cves: { id: string }[];
    wholePackage: boolean;
    reason: string;
    expires: string | null;
  }[];
  ignoreFile: { path: string; expired: { cve: string | null; package: string | null }[] } | null;
  inventories: {
    name: string;
    format: string;
    packages: number;
    duplicates: number;
    affected: CheckUpdateJson[];
  }[];
}

/** One comparable line per outdated package: list, name, versions and the CVE set. */
export const fromKey = (key: AnswerKey): string[] =>
  [
    ...key.affected.map((a) => ({ ...a, list: 'affected' })),
    ...key.behind.filter((b) => !b.changed_in_release).map((b) => ({ ...b, list: 'behind' })),
  ]
    .map(
      (a) =>
        `${a.list} ${a.package} ${a.installed} -> ${a.available} [${[...a.cves].sort().join(',')}]`,
    )
    .sort();
export const fromCli = (out: Pick<CheckJson, 'affected' | 'behind'>): string[] =>
  [
    ...out.affected.map((a) => ({ ...a, list: 'affected' })),
    ...out.behind.map((b) => ({ ...b, list: 'behind' })),
  ]
    .map(
      (a) =>
        `${a.list} ${a.package} ${a.installed} -> ${a.fixed} [${a.cves
          .map((c) => c.id)
          .sort()
          .join(',')}]`,
    )
    .sort();
