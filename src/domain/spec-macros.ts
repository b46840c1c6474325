/**
 * The subset of rpm's macro language that decides a spec's name, version and packages.
 *
 * We never run rpmbuild, so expansion is best effort by design: a macro we cannot know
 * (undefined, a `%(shell)` command, a `%[expression]`) is left in the text verbatim, and
 * callers treat a leftover `%` as "unresolved" instead of guessing a value.
 */

/** Guards against self-referencing definitions such as `%define foo %{foo}x`. */
const MAX_DEPTH = 40;

export class MacroTable {
  private readonly values = new Map<string, string>();

  define(name: string, body: string): void {
    this.values.set(name, body);
  }

  undefine(name: string): void {
    this.values.delete(name);
  }

  isDefined(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }
}

/** True when text still holds a macro we could not expand. */
export function hasUnresolvedMacro(text: string): boolean {
  return text.includes('%');
}

/**
 * Executes a `%define`/`%global`/`%undefine` line (without continuation backslashes).
 * Returns false when the line is not a definition. `%global` bodies are expanded now and
 * `%define` bodies when used, as rpm does; parametric macros keep their body unexpanded.
 */
export function applyDefinition(
  line: string,
  macros: MacroTable,
  onlyIfUndefined = false,
): boolean {
  const m = /^%(define|global|undefine)\s+([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?\s*(.*)$/s.exec(
    line.trim(),
  );
  if (!m) return false;
  const [, kind, name = '', params, rawBody = ''] = m;
  if (kind === 'undefine') {
    if (!onlyIfUndefined) macros.undefine(name);
    return true;
  }
  if (onlyIfUndefined && macros.isDefined(name)) return true;
  const body = rawBody.trim();
  macros.define(
    name,
    kind === 'global' && params === undefined ? expandMacros(body, macros) : body,
  );
  return true;
}

/** Expands every macro rpm would expand in `text`, leaving unknown ones verbatim. */
export function expandMacros(text: string, macros: MacroTable, depth = 0): string {
  if (depth > MAX_DEPTH || !text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '%') {
      // `%%` is a literal percent sign; keep it escaped so a later pass does not expand it.
      out += '%%';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = matchingClose(text, i + 1, '{', '}');
      if (close === -1) {
        out += text.slice(i);
        break;
      }
      out += expandBraced(text.slice(i + 2, close), text.slice(i, close + 1), macros, depth);
      i = close + 1;
      continue;
    }
    if (next === '(' || next === '[') {
      // Shell commands and expressions are never run here: keep them as unresolved text.
      const close = matchingClose(text, i + 1, next, next === '(' ? ')' : ']');
      const end = close === -1 ? text.length : close + 1;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const bare = /^%(!?\??)([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    if (bare) {
      const [whole, flags = '', name = ''] = bare;
      out += expandReference(flags, name, undefined, whole, macros, depth);
      i += whole.length;
      continue;
    }
    out += c;
    i++;
  }
  return depth === 0 ? out.replaceAll('%%', '%') : out;
}

function matchingClose(text: string, openAt: number, open: string, close: string): number {
  let level = 0;
  for (let k = openAt; k < text.length; k++) {
    if (text[k] === open) level++;
    else if (text[k] === close) {
      level--;
      if (level === 0) return k;
    }
  }
  return -1;
}

function expandBraced(inner: string, whole: string, macros: MacroTable, depth: number): string {
  // Both the Fedora `%{defined x}` helper and rpm 4.17's `%{defined:x}` builtin.
  const builtin = /^(defined|undefined|with|without)[\s:]\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(
    inner,
  );
  if (builtin) {
    const [, fn, name = ''] = builtin;
    if (fn === 'defined') return macros.isDefined(name) ? '1' : '0';
    if (fn === 'undefined') return macros.isDefined(name) ? '0' : '1';
    const enabled = macros.isDefined(`with_${name}`);
    return (fn === 'with') === enabled ? '1' : '0';
  }
  if (inner.startsWith('lua:')) return ''; // Lua is out of scope; it never names packages in Azure Linux specs.
  if (inner.startsWith('expand:')) return expandMacros(inner.slice(7), macros, depth + 1);
  const ref = /^([!?]*)([A-Za-z_][A-Za-z0-9_]*)(?::(.*))?$/s.exec(inner);
  if (!ref) return whole;
  const [, flags = '', name = '', arg] = ref;
  return expandReference(flags, name, arg, whole, macros, depth);
}

/**
 * `%{name}`, `%{?name}`, `%{?name:text}`, `%{!?name:text}` and their bare forms.
 * A conditional body may itself be a definition (`%{!?_name: %define _name iser}`),
 * which rpm executes during expansion; so do we.
 */
function expandReference(
  flags: string,
  name: string,
  arg: string | undefined,
  whole: string,
  macros: MacroTable,
  depth: number,
): string {
  const conditional = flags.includes('?');
  const negated = flags.includes('!');
  const defined = macros.isDefined(name);
  if (!conditional) {
    if (!defined) return whole;
    return expandMacros(macros.get(name) ?? '', macros, depth + 1);
  }
  const wanted = negated ? !defined : defined;
  if (!wanted) return '';
  if (arg === undefined)
    return negated ? '' : expandMacros(macros.get(name) ?? '', macros, depth + 1);
  if (applyDefinition(arg, macros)) return '';
  return expandMacros(arg, macros, depth + 1);
}
