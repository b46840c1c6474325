import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/azl-notifier.js', import.meta.url));

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
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
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
  untracked: string[];
  notices: string[];
  summary: {
    affected: number;
    behind: number;
    cves: number;
    bySeverity: Record<string, number>;
    release: { cves: number; bySeverity: Record<string, number> };
  };
  inventories: {
    name: string;
    format: string;
    packages: number;
    duplicates: number;
    affected: CheckUpdateJson[];
  }[];
}
