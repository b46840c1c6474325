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
import { build, type Metafile, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdir = `${root}dist/cli`;

/**
 * @azure/identity (with MSAL) and @azure/core-rest-pipeline are only for the runs that read AKS
 * clusters (src/cli/arm.ts): in the main bundle they would more than double the file every run
 * reads. They go into dist/cli/azure.cjs instead (src/cli/azure-vendor.ts re-exports what the
 * CLI uses), which the main bundle requires when such a run first needs them.
 */
const AZURE_APART = /^@azure\/(identity|core-rest-pipeline)$/;
const azureApartPlugin: Plugin = {
  name: 'azure-apart',
  setup(b) {
    b.onResolve({ filter: AZURE_APART }, () => ({ path: './azure.cjs', external: true }));
  },
};

/** Both files: one CommonJS script each, for Node 20, minified as the header says. */
const common = {
  absWorkingDir: root,
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  metafile: true,
} as const;

rmSync(outdir, { recursive: true, force: true });
const vendor = await build({
  ...common,
  entryPoints: { azure: 'dist/src/cli/azure-vendor.js' },
  minifyIdentifiers: true,
});
const result = await build({
  ...common,
  entryPoints: { 'azl-notifier': 'dist/src/cli/main.js' },
  // The code finds its package by walking up from its own file (src/package-info.ts).
  define: { 'import.meta.url': 'azlModuleUrl' },
  banner: { js: "var azlModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [azureApartPlugin],
});

const size = (r: { metafile: Metafile }) =>
  Object.values(r.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0) / 1024;
console.log(
  `bundled the CLI into ${outdir} (${size(result).toFixed(0)} KiB, and ${size(vendor).toFixed(0)} KiB of Azure SDK loaded by --aks-cluster runs)`,
);
