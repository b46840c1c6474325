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
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { fileErrorReason } from '../file-errors.js';

export const DEFAULT_IGNORE_FILE = '.azl-notifier-ignore.yaml';

export interface IgnoreRule {
  cve: string | null;
  package: string | null;
  reason: string;
  /** `YYYY-MM-DD`; the rule applies through this day in UTC. */
  expires: string | null;
}

export interface IgnoreFile {
  path: string;
  /** Rules in force today. */
  active: IgnoreRule[];
  /** Rules whose `expires` day is past: they no longer apply, and the run says so. */
  expired: IgnoreRule[];
}

const Entry = z
  .strictObject({
    cve: z
      .string()
      .regex(/^CVE-\d{4}-\d{4,}$/i, 'must be a CVE id like CVE-2026-12345')
      .transform((id) => id.toUpperCase())
      .optional(),
    package: z.string().trim().min(1).optional(),
    reason: z
      .string({ error: 'is required: say why the risk is accepted' })
      .trim()
      .min(1, 'must not be empty'),
    expires: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-06-30')
      .refine((d) => isRealDate(d), 'is not a real date')
      .optional(),
  })
  .refine((e) => e.cve !== undefined || e.package !== undefined, {
    message: 'names neither a cve nor a package',
  });

/** 2026-02-30 parses (as 2 March): a real date survives the round trip. */
function isRealDate(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

const Schema = z.strictObject({ ignore: z.array(Entry).default([]) });

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
  const rules = await parseIgnoreRules(text, path);
  const today = now.toISOString().slice(0, 10);
  return {
    path,
    active: rules.filter((r) => r.expires === null || r.expires >= today),
    expired: rules.filter((r) => r.expires !== null && r.expires < today),
  };
}

export async function parseIgnoreRules(text: string, path: string): Promise<IgnoreRule[]> {
  // Loaded only when there is a file to read, as most runs have none.
  const { parseDocument } = await import('yaml');
  // The core schema (YAML 1.2) reads 2026-06-30 as a string, not a timestamp.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [syntax] = doc.errors;
  if (syntax) {
    const line = syntax.linePos?.[0]?.line;
    throw new InputError(
      `${path}: ${line ? `line ${line}: ` : ''}${(syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const parsed = Schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue?.path.length
      ? `${issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')}: `
      : '';
    throw new InputError(`${path}: ${where}${issue?.message ?? 'not an ignore file'}`);
  }
  return parsed.data.ignore.map((e) => ({
    cve: e.cve ?? null,
    package: e.package ?? null,
    reason: e.reason,
    expires: e.expires ?? null,
  }));
}

/** "CVE-2026-35469 in containerd2", "kernel", "CVE-2025-1147": what a rule names, for messages. */
export function describeRule(rule: IgnoreRule): string {
  if (rule.cve && rule.package) return `${rule.cve} in ${rule.package}`;
  return rule.cve ?? rule.package ?? '';
}
