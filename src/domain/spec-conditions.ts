/**
 * Evaluates the already-expanded expression of a spec `%if` line, the way rpm's expression
 * parser does for the simple cases: integers, "strings", `!`, `&&`, `||`, comparisons and
 * parentheses. Anything else (an unexpanded macro, a version literal `v"1.2"`, arithmetic)
 * yields null, meaning "cannot know"; the spec parser then keeps both branches.
 */

type Value = number | string;

class Unknown extends Error {}

export function evaluateCondition(expr: string): boolean | null {
  if (expr.includes('%')) return null;
  try {
    const parser = new ExpressionParser(expr);
    const value = parser.parseOr();
    parser.expectEnd();
    return typeof value === 'number' ? value !== 0 : value.length > 0;
  } catch (e) {
    if (e instanceof Unknown) return null;
    throw e;
  }
}

class ExpressionParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseOr(): Value {
    let left = this.parseAnd();
    while (this.eat('||')) {
      const right = this.parseAnd();
      left = truthy(left) || truthy(right) ? 1 : 0;
    }
    return left;
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length) throw new Unknown();
  }

  private parseAnd(): Value {
    let left = this.parseComparison();
    while (this.eat('&&')) {
      const right = this.parseComparison();
      left = truthy(left) && truthy(right) ? 1 : 0;
    }
    return left;
  }

  private parseComparison(): Value {
    const left = this.parseUnary();
    for (const op of ['==', '!=', '<=', '>=', '<', '>'] as const) {
      if (this.eat(op)) {
        const right = this.parseUnary();
        if (typeof left !== typeof right) throw new Unknown();
        const c = left < right ? -1 : left > right ? 1 : 0;
        const result =
          op === '=='
            ? c === 0
            : op === '!='
              ? c !== 0
              : op === '<='
                ? c <= 0
                : op === '>='
                  ? c >= 0
                  : op === '<'
                    ? c < 0
                    : c > 0;
        return result ? 1 : 0;
      }
    }
    return left;
  }

  private parseUnary(): Value {
    if (this.eat('!')) return truthy(this.parseUnary()) ? 0 : 1;
    if (this.eat('-')) {
      const v = this.parseUnary();
      if (typeof v !== 'number') throw new Unknown();
      return -v;
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Value {
    this.skipSpace();
    if (this.eat('(')) {
      const v = this.parseOr();
      if (!this.eat(')')) throw new Unknown();
      return v;
    }
    const rest = this.text.slice(this.pos);
    const num = /^\d+/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    const str = /^"([^"]*)"/.exec(rest);
    if (str) {
      this.pos += str[0].length;
      return str[1] ?? '';
    }
    throw new Unknown();
  }

  private eat(token: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(token, this.pos)) {
      // `!=` must not be read as `!` followed by `=`, nor `<=` as `<`.
      if ((token === '!' || token === '<' || token === '>') && this.text[this.pos + 1] === '=') {
        return false;
      }
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }
}

function truthy(v: Value): boolean {
  return typeof v === 'number' ? v !== 0 : v.length > 0;
}
