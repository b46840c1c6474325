/**
 * The import graph of src/: no cycles, and arrows that point inward. Read from the source
 * text with TypeScript's own pre-processor (the same scanner tsc uses for imports), so the
 * test sees exactly what the compiler resolves, type-only imports included.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** src-relative file → the src-relative files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const local = importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'));
    graph.set(relative(SRC, file), [...new Set(local)]);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const folder = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');

/** Which folders a folder may import from: the arrows of ../shared/design/ARCHITECTURE.md. */
const MAY_NOT_IMPORT: Record<string, string[]> = {
  domain: [
    'sources',
    'store',
    'events',
    'notify',
    'api',
    'web',
    'services',
    'app',
    'functions',
    'local',
    'cli',
    'security',
  ],
  services: ['api', 'web', 'functions', 'local', 'cli', 'app'],
  notify: ['api', 'web', 'services', 'functions', 'local', 'cli', 'app'],
  store: ['api', 'web', 'services', 'functions', 'local', 'cli', 'app', 'notify'],
  sources: ['api', 'web', 'services', 'functions', 'local', 'cli', 'app', 'notify', 'store'],
  events: ['api', 'web', 'services', 'functions', 'local', 'cli', 'app', 'notify'],
  // The pages are built on the API's handlers, never the other way round.
  api: ['web', 'functions', 'local', 'cli', 'app'],
  web: ['functions', 'local', 'cli', 'app'],
  // The local host emulates the Functions host: it serves whatever table it is given.
  local: ['functions', 'cli', 'app', 'services', 'notify', 'events', 'sources'],
  cli: ['functions', 'local', 'api', 'app'],
};

/** The Azure entry point only registers the app's table (and starts telemetry first). */
const MAY_ONLY_IMPORT: Record<string, string[]> = { functions: ['app', '.'] };

describe('the import graph of src/', () => {
  const graph = importGraph();

  it('has no cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('points inward: no folder imports one it must not', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      const banned = MAY_NOT_IMPORT[folder(file)] ?? [];
      const only = MAY_ONLY_IMPORT[folder(file)];
      for (const target of imports) {
        const to = folder(target);
        if (banned.includes(to) || (only && !only.includes(to))) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('imports nothing from outside src/: the stand-ins and the demo are tooling, never used by the product', () => {
    const outside = [...graph].flatMap(([file, imports]) =>
      imports.filter((target) => target.startsWith('..')).map((target) => `${file} → ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('sees the files it checks (a broken scan would pass everything)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('domain/match.ts')).toContain('domain/fixes.ts');
  });
});
