#!/usr/bin/env node
// `npm run build`, and the first step of `npm start` and `npm test`: dist/ from the sources,
// only when a source changed. Plain JavaScript, since it runs before anything is compiled.
//
// TypeScript decides what is out of date (tsc --build with an incremental build info under
// dist/): it compares every input it read last time, the node_modules typings and the tsconfig
// files included, and re-emits only what changed. A build that changed nothing is skipped
// outright, and this says so. The CLI bundle (dist/scripts/bundle-cli.js, made from tsc's
// output and node_modules) is made again when tsc built anything, when it is missing, and
// after every `npm install` or `npm ci` (node_modules/.package-lock.json is rewritten then).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const ts = createRequire(import.meta.url)('typescript');

const builder = ts.createSolutionBuilder(
  ts.createSolutionBuilderHost(ts.sys),
  [join(root, 'tsconfig.build.json')],
  {},
);
let compiled = false;
let failed = false;
for (let project; (project = builder.getNextInvalidatedProject());) {
  // An input whose content did not change (a checkout that only touched it) costs no emit:
  // tsc moves the outputs' timestamps on and that is all.
  if (project.kind === ts.InvalidatedProjectKind.Build) {
    if (!compiled) console.log('dist/ is out of date: compiling (TypeScript, incremental)…');
    compiled = true;
  }
  failed = project.done() !== ts.ExitStatus.Success || failed;
}
if (failed) {
  console.error(`the build failed after ${seconds()}: the errors are above`);
  process.exit(1);
}

const bundle = join(root, 'dist', 'cli', 'azl-notifier.cjs');
const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const bundleStale =
  compiled ||
  mtime(bundle) === 0 ||
  mtime(bundle) < mtime(join(root, 'node_modules', '.package-lock.json'));
if (bundleStale) {
  const run = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'bundle-cli.js')], {
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

if (!compiled && !bundleStale) {
  console.log(`dist/ is up to date with every source (checked in ${seconds()}): not building`);
} else {
  console.log(`built dist/ in ${seconds()}`);
}
