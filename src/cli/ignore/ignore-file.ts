/**
 * The accepted-risk file, `.azl-notifier-ignore.yaml` (in the spirit of Trivy's
 * `.trivyignore.yaml` and Grype's ignore rules):
 *
 *   ignore:
 *     - cve: CVE-2026-35469              # this CVE, in every package
 *       reason: containerd2 on these nodes never pulls untrusted images
 *       expires: 2026-06-30              # applies through this day (UTC), then stops
 *     - package: kernel                  # every update of this package (binary or source name)
 *       reason: kernels move with the monthly node-image upgrade
 *     - cve: CVE-2025-1147               # this CVE in this package only
 *       package: binutils
 *       reason: build hosts only
 *
 * Every entry needs a reason: a list of exceptions nobody can explain is how risk hides.
 * Unknown keys are refused, so a misspelt `expire:` cannot make an entry last forever.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { fileErrorReason } from '../file-errors.js';
import type { IgnoreRule } from './ignore-rules.js';

export type { IgnoreRule };

export const DEFAULT_IGNORE_FILE = '.azl-notifier-ignore.yaml';

export interface IgnoreFile {
  path: string;
  /** Rules in force today. */
  active: IgnoreRule[];
  /** Rules whose `expires` day is past: they no longer apply, and the run says so. */
  expired: IgnoreRule[];
}

/**
 * The ignore file `--ignore-file` names (it must exist), else the default one in the
 * current directory when there is one, else none.
 */
export async function loadIgnoreFile(
  explicit: string | undefined,
  now: Date,
): Promise<IgnoreFile | undefined> {
  const path = explicit ?? DEFAULT_IGNORE_FILE;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (explicit === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new InputError(`cannot read --ignore-file ${path}: ${fileErrorReason(error)}`);
  }
  // The parser (YAML and its schema) is loaded only when there is a file to read, as most
  // runs have none: together they are a third of the CLI's code.
  const { parseIgnoreRules } = await import('./ignore-rules.js');
  const rules = parseIgnoreRules(text, path);
  const today = now.toISOString().slice(0, 10);
  return {
    path,
    active: rules.filter((r) => r.expires === null || r.expires >= today),
    expired: rules.filter((r) => r.expires !== null && r.expires < today),
  };
}

/** "CVE-2026-35469 in containerd2", "kernel", "CVE-2025-1147": what a rule names, for messages. */
export function describeRule(rule: IgnoreRule): string {
  if (rule.cve && rule.package) return `${rule.cve} in ${rule.package}`;
  return rule.cve ?? rule.package ?? '';
}
