/**
 * Reads an ignore file's text (src/cli/ignore/ignore-file.ts describes the format): YAML
 * errors and schema errors each become one line saying where. A module of its own, loaded
 * only when there is a file, because YAML and zod are most of what the CLI would load.
 */
import { parseDocument } from 'yaml';
import { InputError } from '../../errors.js';
import * as z from '../../zod-mini.js';

export interface IgnoreRule {
  cve: string | null;
  package: string | null;
  reason: string;
  /** `YYYY-MM-DD`; the rule applies through this day in UTC. */
  expires: string | null;
}

const Entry = z
  .strictObject({
    cve: z.optional(
      z.pipe(
        z.string().check(z.regex(/^CVE-\d{4}-\d{4,}$/i, 'must be a CVE id like CVE-2026-12345')),
        z.transform((id) => id.toUpperCase()),
      ),
    ),
    package: z.optional(z.string().check(z.trim(), z.minLength(1))),
    reason: z
      .string({ error: 'is required: say why the risk is accepted' })
      .check(z.trim(), z.minLength(1, 'must not be empty')),
    expires: z.optional(
      z.string().check(
        z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-06-30'),
        z.refine((d) => isRealDate(d), 'is not a real date'),
      ),
    ),
  })
  .check(
    z.refine((e) => e.cve !== undefined || e.package !== undefined, {
      message: 'names neither a cve nor a package',
    }),
  );

/** 2026-02-30 parses (as 2 March): a real date survives the round trip. */
function isRealDate(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

const Schema = z.strictObject({ ignore: z._default(z.array(Entry), []) });

export function parseIgnoreRules(text: string, path: string): IgnoreRule[] {
  // The core schema (YAML 1.2) reads 2026-06-30 as a string, not a timestamp.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [syntax] = doc.errors;
  if (syntax) {
    const line = syntax.linePos?.[0]?.line;
    throw new InputError(
      `${path}: ${line ? `line ${line}: ` : ''}${(syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const parsed = z.safeParse(Schema, doc.toJS() ?? {});
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
