import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/built.js';

/**
 * scripts/build.mjs, the step before `npm start` and `npm test`, on a small project of its own
 * shape (a tsconfig.build.json, sources, and a scripts/bundle-cli.ts that records each run):
 * it builds what changed, says when nothing did and builds nothing then, never calls a failed
 * build up to date, and bundles again after an install.
 */
let project: string;
const file = (...parts: string[]) => join(project, ...parts);
const bundles = () => readFileSync(file('bundle-runs.log'), 'utf8').split('\n').filter(Boolean);

function build(): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [file('scripts', 'build.mjs')], {
    cwd: project,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'azl-build-'));
  mkdirSync(file('scripts'));
  mkdirSync(file('src'));
  mkdirSync(file('node_modules', '@types'), { recursive: true });
  copyFileSync(join(ROOT, 'scripts', 'build.mjs'), file('scripts', 'build.mjs'));
  symlinkSync(join(ROOT, 'node_modules', 'typescript'), file('node_modules', 'typescript'));
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), file('node_modules', '@types', 'node'));
  writeFileSync(file('node_modules', '.package-lock.json'), '{}\n');
  writeFileSync(file('package.json'), '{ "type": "module" }\n');
  writeFileSync(
    file('tsconfig.build.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        outDir: 'dist',
        rootDir: '.',
        skipLibCheck: true,
        incremental: true,
        tsBuildInfoFile: 'dist/tsconfig.build.tsbuildinfo',
      },
      include: ['src', 'scripts'],
    }),
  );
  writeFileSync(
    file('scripts', 'bundle-cli.ts'),
    [
      "import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';",
      "mkdirSync('dist/cli', { recursive: true });",
      "writeFileSync('dist/cli/azl-notifier.cjs', '// bundle\\n');",
      "appendFileSync('bundle-runs.log', 'bundled\\n');",
      '',
    ].join('\n'),
  );
  writeFileSync(file('src', 'answer.ts'), 'export const answer: number = 41;\n');
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('scripts/build.mjs', { timeout: 60_000 }, () => {
  it('builds a fresh checkout: compiles, then bundles', () => {
    const run = build();
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('dist/ is out of date: compiling');
    expect(run.output).toMatch(/built dist\/ in \d+\.\d s/);
    expect(readFileSync(file('dist', 'src', 'answer.js'), 'utf8')).toContain('answer = 41');
    expect(bundles()).toHaveLength(1);
  });

  it('builds nothing when nothing changed, and says so', () => {
    const before = statSync(file('dist', 'src', 'answer.js')).mtimeMs;
    const run = build();
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(
      /dist\/ is up to date with every source \(checked in .*\): not building/,
    );
    expect(run.output).not.toContain('compiling');
    expect(statSync(file('dist', 'src', 'answer.js')).mtimeMs).toBe(before);
    expect(bundles()).toHaveLength(1);
  });

  it('takes a source touched but unchanged (a checkout) as up to date', () => {
    const later = new Date(Date.now() + 2000);
    utimesSync(file('src', 'answer.ts'), later, later);
    const run = build();
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('not building');
    expect(bundles()).toHaveLength(1);
  });

  it('compiles a changed source and bundles again', () => {
    writeFileSync(file('src', 'answer.ts'), 'export const answer: number = 42;\n');
    const run = build();
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('compiling');
    expect(readFileSync(file('dist', 'src', 'answer.js'), 'utf8')).toContain('answer = 42');
    expect(bundles()).toHaveLength(2);
  });

  it('fails on a type error, and never calls that build up to date', () => {
    writeFileSync(file('src', 'answer.ts'), "export const answer: number = 'forty-three';\n");
    for (let i = 0; i < 2; i++) {
      const run = build();
      expect(run.status).toBe(1);
      expect(run.output).toMatch(/error TS2322/);
      expect(run.output).toContain('the build failed');
      expect(run.output).not.toContain('up to date');
    }
    writeFileSync(file('src', 'answer.ts'), 'export const answer: number = 43;\n');
    const fixed = build();
    expect(fixed.status, fixed.output).toBe(0);
    expect(readFileSync(file('dist', 'src', 'answer.js'), 'utf8')).toContain('answer = 43');
  });

  it('bundles again after an install, without compiling', () => {
    const runs = bundles().length;
    const later = new Date(Date.now() + 5000);
    utimesSync(file('node_modules', '.package-lock.json'), later, later);
    const run = build();
    expect(run.status, run.output).toBe(0);
    expect(run.output).not.toContain('compiling');
    expect(bundles()).toHaveLength(runs + 1);
  });
});
