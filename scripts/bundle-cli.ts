/**
 * Bundles the CLI into one CommonJS file, dist/cli/azl-notifier.cjs (run by `npm run build`,
 * after tsc), which bin/azl-notifier.cjs loads with V8's code cache. Unbundled, a warm
 * `check` spent about 100 ms finding, reading and linking some 200 modules before doing
 * anything; the CLI's whole budget is about 100 ms.
 *
 * CommonJS, not an ES module, because Node 20 can keep compiled code between runs only for
 * scripts (vm.Script's cachedData; module.enableCompileCache is Node 22's): with the cache, a
 * run skips compiling the bundle, about a sixth of a warm check. What only some runs need (an
 * ignore file's YAML, Octokit, the OVAL XML parser, `render`'s previews) is still loaded
 * lazily: esbuild keeps each dynamic import a function that runs on first call.
 *
 * It bundles tsc's output, so it runs exactly the code the type check passed. Identifiers
 * are kept (only whitespace and syntax are minified), so AZL_DEBUG=1 stack traces read.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdir = `${root}dist/cli`;

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'azl-notifier': 'dist/src/cli/main.js' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  // The code finds its package by walking up from its own file (src/package-info.ts).
  define: { 'import.meta.url': 'azlModuleUrl' },
  banner: { js: "var azlModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Loaded from node_modules by the runs that read AKS clusters only (src/cli/arm.ts): bundled,
  // @azure/identity and its MSAL would more than double the file every run reads.
  external: ['@azure/identity', '@azure/core-rest-pipeline'],
  logLevel: 'warning',
  metafile: true,
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`bundled the CLI into ${outdir} (${(bytes / 1024).toFixed(0)} KiB)`);
