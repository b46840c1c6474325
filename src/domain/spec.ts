/**
 * Reads what a user can see from an RPM spec file: the source package's name and EVR, the
 * binary packages it builds (each with its own EVR), and the %changelog.
 *
 * rpm itself is not available (and a spec may run shell commands), so this is a careful
 * approximation with documented rules:
 * - `%define`/`%global`/`%undefine`, `%bcond_with`/`%bcond_without`/`%bcond`, and the
 *   `%{name}`, `%{?name}`, `%{?name:x}`, `%{!?name:x}`, `%{defined x}`, `%{with x}` forms are
 *   expanded; `%{lua:...}` expands to nothing; `%(shell)` and unknown macros stay verbatim
 *   and the affected header tags are listed in `unresolved`.
 * - `%if` is evaluated when its expanded expression is a plain integer/string expression
 *   (`%if 0`, `%if %{with x}`, `%if 0%{?rhel} >= 8`, `%if "%{a}" == "b"`). Otherwise
 *   (`%ifarch`, undefined macros, version literals) both branches are read: `%package`
 *   lines from either branch count, but for a header tag or macro the first definition
 *   wins, so the unconditional or first-listed value is kept.
 * - Like rpm, a preamble `Name:`/`Version:`/`Release:`/`Epoch:` tag also defines the
 *   lowercase macro of the same name (a subpackage's own `Version:` therefore changes
 *   `%{version}` for the lines after it), and main-package tags define the uppercase one.
 * - The main package is a binary unless the spec has `%files` sections and none is the
 *   main package's (signed-kernel specs only repackage `%files -n kernel`).
 */
import { InputError } from '../errors.js';
import { evaluateCondition } from './spec-conditions.js';
import { MacroTable, applyDefinition, expandMacros, hasUnresolvedMacro } from './spec-macros.js';
import { formatEvr, parseEvr } from './rpmvercmp.js';
import type { BinaryPackage, Obsolete } from './types.js';

export interface SpecChangelogEntry {
  header: string;
  /** The EVR the header names (`- 1:2.0-3`, or a bare trailing `2.0-3`); null when it names none. */
  evr: string | null;
  /** Non-blank body lines, trimmed. */
  lines: string[];
}

export interface SpecInfo {
  name: string;
  epoch: number;
  version: string;
  /** Release with the dist macro removed: '2' from '2%{?dist}'. */
  release: string;
  /** `[epoch:]version-release` without dist; epoch only when non-zero. */
  evr: string;
  binaries: BinaryPackage[];
  /** Newest first, as in the file. */
  changelog: SpecChangelogEntry[];
  /** Every `Obsoletes:` with a name and bound we could expand, in the section it belongs to. */
  obsoletes: Obsolete[];
  /**
   * Header tags (`Name`, `Epoch`, `Version`, `Release`) whose value still holds a macro we
   * could not expand, typically a `%(shell command)` evaluated at build time. Such a spec's
   * EVR is not knowable from its text, and matching says so instead of guessing.
   */
  unresolved: string[];
}

interface HeaderTags {
  name?: string;
  epoch?: string;
  version?: string;
  release?: string;
}

interface PackageDecl {
  name: string;
  tags: HeaderTags;
}

type Branch = 'true' | 'false' | 'unknown';

interface CondFrame {
  branch: Branch;
  /** Whether an earlier branch of this %if chain was taken ('maybe' when unknown). */
  taken: 'yes' | 'no' | 'maybe';
}

const HEADER_TAGS = new Set(['name', 'epoch', 'version', 'release']);

const SECTION =
  /^%(package|description|prep|build|install|check|clean|files|changelog|pre|post|preun|postun|pretrans|posttrans|preuntrans|postuntrans|verifyscript|triggerprein|triggerin|triggerun|triggerpostun|filetriggerin|filetriggerun|filetriggerpostun|transfiletriggerin|transfiletriggerun|transfiletriggerpostun|sourcelist|patchlist|generate_buildrequires|conf)(?=\s|$)(.*)$/;

const CONDITIONAL = /^%(if|ifarch|ifnarch|ifos|ifnos|elif|elifarch|elifos|else|endif)(?=\s|$)(.*)$/;

const TAG_LINE = /^([A-Za-z][A-Za-z0-9]*)\s*(?:\([^)]*\))?\s*:\s*(.*)$/;

/** rpm requires a changelog entry to start with `* <weekday> <date>`; body lines may start with `*` too. */
const CHANGELOG_HEADER = /^\*\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b/i;

const EVR_TOKEN = /^(?:\d+:)?[A-Za-z0-9._+~^]+(?:-[A-Za-z0-9._+~^]+)*$/;

export function parseSpec(text: string): SpecInfo {
  const macros = new MacroTable();
  const conds: CondFrame[] = [];
  const main: HeaderTags = {};
  const packages: PackageDecl[] = [];
  const filesFor = new Set<string>();
  const changelogLines: string[] = [];
  /** `Obsoletes:` values, by the package section they were in (the preamble: main). */
  const obsoleteLines: { pkg: PackageDecl | null; value: string }[] = [];
  /** Whether the main Release: carries the dist tag, as `%{release}` then does in rpm. */
  let releaseHasDist = false;
  let section: 'preamble' | 'package' | 'other' | 'changelog' = 'preamble';
  let current: PackageDecl | null = null;

  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    if (section === 'changelog') {
      changelogLines.push(line);
      continue;
    }
    let trimmed = line.trim();
    // Macro bodies may continue over several lines with a trailing backslash.
    if (/^%(define|global)\s/.test(trimmed)) {
      while (line.endsWith('\\') && i + 1 < lines.length) {
        line = `${line.slice(0, -1)}\n${lines[++i] ?? ''}`;
      }
      trimmed = line.trim();
    }

    const cond = CONDITIONAL.exec(trimmed);
    if (cond) {
      handleConditional(conds, cond[1] ?? '', cond[2] ?? '', macros);
      continue;
    }
    const mode = modeOf(conds);
    if (mode === 'skip') continue;
    const uncertain = mode === 'uncertain';

    if (applyDefinition(trimmed, macros, uncertain)) continue;
    if (applyBcond(trimmed, macros, uncertain)) continue;
    // A line that is only a macro call is expanded for its side effects, as rpm expands
    // every line: `%{!?_name: %define _name iser}` defines `_name` when it is missing.
    if (/^%\{!?\?/.test(trimmed)) {
      expandMacros(trimmed, macros);
      continue;
    }

    const sec = SECTION.exec(trimmed);
    if (sec) {
      const kind = sec[1] ?? '';
      const arg = expandMacros(sec[2] ?? '', macros);
      const mainName = main.name ?? '';
      if (kind === 'package') {
        const name = packageNameOf(arg, mainName);
        current = packages.find((p) => p.name === name) ?? null;
        if (!current) {
          current = { name, tags: {} };
          packages.push(current);
        }
        section = 'package';
      } else if (kind === 'changelog') {
        section = 'changelog';
      } else {
        if (kind === 'files') filesFor.add(packageNameOf(arg, mainName));
        section = 'other';
      }
      continue;
    }

    if (section === 'preamble' || section === 'package') {
      const tag = TAG_LINE.exec(trimmed);
      const key = tag?.[1]?.toLowerCase() ?? '';
      if (tag && key === 'obsoletes') {
        // Kept from both branches of an unknown %if, like %package lines: a name and bound
        // are read, and which package is replaced only matters once it is installed.
        obsoleteLines.push({
          pkg: section === 'package' ? current : null,
          value: expandMacros(keepDist(tag[2] ?? '', releaseHasDist), macros),
        });
        continue;
      }
      if (!tag || !HEADER_TAGS.has(key)) continue;
      const target = section === 'preamble' ? main : current?.tags;
      // A subpackage cannot rename itself with Name:; rpm rejects it, we ignore it.
      if (!target || (section === 'package' && key === 'name')) continue;
      const k = key as keyof HeaderTags;
      if (uncertain && target[k] !== undefined) continue;
      const value = expandMacros(tag[2] ?? '', macros).trim();
      if (section === 'preamble' && key === 'release') releaseHasDist = DIST_REF.test(tag[2] ?? '');
      target[k] = value;
      macros.define(key, value);
      if (section === 'preamble') macros.define(key.toUpperCase(), value);
    }
  }

  const info = buildInfo(main, packages, filesFor, parseChangelog(changelogLines));
  info.obsoletes = obsoleteLines.flatMap(({ pkg, value }) =>
    parseObsoletes(pkg?.name ?? info.name, value),
  );
  return info;
}

/**
 * Blank- or comma-separated tokens, where a macro left unexpanded (`%(rpm -q kernel)`,
 * `%{foo bar}`) stays one token however many blanks it holds, so it is left out whole.
 */
function dependencyTokens(text: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let depth = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (c === '%' && (text[k + 1] === '(' || text[k + 1] === '{')) {
      depth++;
      token += c + text[++k]!;
      continue;
    }
    if (depth > 0 && (c === ')' || c === '}')) depth--;
    if (depth === 0 && (c === ',' || /\s/.test(c))) {
      if (token) tokens.push(token);
      token = '';
      continue;
    }
    token += c;
  }
  if (token) tokens.push(token);
  return tokens;
}

/** The dist macro, however a spec writes it. */
const DIST_REF = /%\{[?!]*dist(?::[^}]*)?\}|%dist\b/;

/**
 * Where the dist tag goes in a dependency's EVR, kept verbatim: rpm expands `%{?dist}` (and
 * `%{release}`, which carries it) when the package is built, to the line's `.azl3` or `.cm2`.
 * A bound written without it (`nvidia-container-runtime <= 3.5.0-1`) is compared as written,
 * so the marker must survive to matching (src/domain/obsoletes.ts).
 */
export const DIST_MARK = '%{?dist}';
const MARK = '\u0001';

/** The value with its dist references protected from expansion, to become DIST_MARK. */
function keepDist(value: string, releaseHasDist: boolean): string {
  const marked = value.replace(new RegExp(DIST_REF.source, 'g'), MARK);
  return releaseHasDist ? marked.replace(/%\{release\}|%release\b/g, `%{release}${MARK}`) : marked;
}

const DEP_OPERATORS: Readonly<Record<string, NonNullable<Obsolete['op']>>> = {
  '<': '<',
  '<=': '<=',
  '=<': '<=',
  '=': '=',
  '==': '=',
  '>=': '>=',
  '=>': '>=',
  '>': '>',
};

/**
 * The dependencies of one `Obsoletes:` value, as rpm's parser splits them: names separated
 * by blanks or commas, each optionally followed by an operator and an EVR
 * (`containerd < 2.0.0-16, moby-containerd`). A name or bound that still holds a macro we
 * could not expand is left out: no installed package can be matched against it.
 */
export function parseObsoletes(by: string, value: string): Obsolete[] {
  const tokens = dependencyTokens(value.replaceAll(MARK, DIST_MARK).replace(/\\$/, ''));
  const deps: Obsolete[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const name = tokens[k]!;
    const op = DEP_OPERATORS[tokens[k + 1] ?? ''];
    const evr = op ? tokens[k + 2] : undefined;
    if (op) k += 2;
    const unresolved = evr !== undefined && hasUnresolvedMacro(evr.replaceAll(DIST_MARK, ''));
    if (hasUnresolvedMacro(name) || unresolved) continue;
    if (op && evr === undefined) continue;
    deps.push(op && evr !== undefined ? { by, name, op, evr } : { by, name });
  }
  return deps;
}

function buildInfo(
  main: HeaderTags,
  packages: PackageDecl[],
  filesFor: Set<string>,
  changelog: SpecChangelogEntry[],
): SpecInfo {
  const name = main.name ?? '';
  const version = main.version ?? '';
  if (name === '') throw new InputError('spec has no Name: tag');
  if (version === '') throw new InputError(`spec ${name} has no Version: tag`);
  const release = main.release ?? '';
  const unresolved: string[] = [];
  for (const [label, value] of [
    ['Name', name],
    ['Epoch', main.epoch],
    ['Version', version],
    ['Release', release],
  ] as const) {
    if (value !== undefined && hasUnresolvedMacro(value)) unresolved.push(label);
  }
  const epoch = epochOf(main.epoch);
  const evr = formatEvr({ epoch, version, release });

  const binaries: BinaryPackage[] = [];
  if (filesFor.size === 0 || filesFor.has(name)) binaries.push({ name, evr });
  for (const pkg of packages) {
    if (pkg.name === name) continue;
    binaries.push({
      name: pkg.name,
      evr: formatEvr({
        epoch: pkg.tags.epoch !== undefined ? epochOf(pkg.tags.epoch) : epoch,
        version: pkg.tags.version ?? version,
        release: pkg.tags.release ?? release,
      }),
    });
  }
  return { name, epoch, version, release, evr, binaries, changelog, obsoletes: [], unresolved };
}

function epochOf(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) return 0;
  return Number(value);
}

/** `%package devel` → `<main>-devel`; `%package -n other` → `other`; same for `%files` (`-f list` skipped). */
function packageNameOf(arg: string, mainName: string): string {
  const tokens = arg.trim().split(/\s+/).filter(Boolean);
  let sub: string | undefined;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] ?? '';
    if (t === '-n') return tokens[k + 1] ?? mainName;
    if (t === '-f') {
      k++;
      continue;
    }
    if (!t.startsWith('-') && sub === undefined) sub = t;
  }
  return sub === undefined ? mainName : `${mainName}-${sub}`;
}

function modeOf(conds: CondFrame[]): 'certain' | 'uncertain' | 'skip' {
  let mode: 'certain' | 'uncertain' = 'certain';
  for (const f of conds) {
    if (f.branch === 'false') return 'skip';
    if (f.branch === 'unknown') mode = 'uncertain';
  }
  return mode;
}

function handleConditional(
  conds: CondFrame[],
  kind: string,
  rest: string,
  macros: MacroTable,
): void {
  if (kind === 'endif') {
    conds.pop();
    return;
  }
  if (kind.startsWith('if')) {
    if (modeOf(conds) === 'skip') {
      conds.push({ branch: 'false', taken: 'yes' });
      return;
    }
    const value = kind === 'if' ? evaluateCondition(expandMacros(rest, macros)) : null;
    conds.push(frameFor(value, 'no'));
    return;
  }
  const top = conds.pop();
  if (!top) return; // A stray %else/%elif: rpm fails the build; we ignore the line.
  if (modeOf(conds) === 'skip' || top.taken === 'yes') {
    conds.push({ branch: 'false', taken: 'yes' });
    return;
  }
  const value =
    kind === 'else' ? true : kind === 'elif' ? evaluateCondition(expandMacros(rest, macros)) : null;
  conds.push(frameFor(value, top.taken));
}

function frameFor(value: boolean | null, takenBefore: 'no' | 'maybe'): CondFrame {
  if (value === false) return { branch: 'false', taken: takenBefore };
  if (value === null || takenBefore === 'maybe') return { branch: 'unknown', taken: 'maybe' };
  return { branch: 'true', taken: 'yes' };
}

/** `%bcond_with x` (off unless asked), `%bcond_without x` (on), `%bcond x <default>`. */
function applyBcond(line: string, macros: MacroTable, onlyIfUndefined: boolean): boolean {
  const m = /^%bcond(_with|_without)?\s+([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$/.exec(line);
  if (!m) return false;
  const [, form, name = '', dflt = ''] = m;
  const on =
    form === '_without'
      ? true
      : form === '_with'
        ? false
        : evaluateCondition(expandMacros(dflt, macros)) === true;
  const macro = `with_${name}`;
  if (on && !(onlyIfUndefined && macros.isDefined(macro))) macros.define(macro, '1');
  return true;
}

function parseChangelog(lines: string[]): SpecChangelogEntry[] {
  const entries: SpecChangelogEntry[] = [];
  for (const raw of lines) {
    if (CHANGELOG_HEADER.test(raw)) {
      const header = raw.trim();
      entries.push({ header, evr: headerEvr(header), lines: [] });
      continue;
    }
    const body = raw.trim();
    const last = entries[entries.length - 1];
    if (last && body !== '') last.lines.push(body);
  }
  return entries;
}

/**
 * The EVR a changelog header names. After the e-mail address it is the first token after an
 * optional "-" (`<a@b> - 1:2.0-3`, `<a@b> 2.0-3`); without an address it is the last token.
 * Anything that does not look like an EVR (an address, prose) gives null.
 */
export function headerEvr(header: string): string | null {
  const gt = header.lastIndexOf('>');
  let candidate: string | undefined;
  if (gt !== -1) {
    candidate = header
      .slice(gt + 1)
      .trim()
      .replace(/^-\s*/, '')
      .split(/\s+/)[0];
  } else {
    const tokens = header.split(/\s+/);
    candidate = tokens[tokens.length - 1];
  }
  if (!candidate || !EVR_TOKEN.test(candidate) || !/\d/.test(candidate)) return null;
  try {
    return formatEvr(parseEvr(candidate));
  } catch {
    return null;
  }
}
