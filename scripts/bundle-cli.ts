/**
 * Bundles the CLI into dist/cli/ (run by `npm run build`, after tsc): one module for what
 * `check` needs, and a chunk for each part only some runs load (an ignore file's YAML,
 * `render`'s previews). Unbundled, a warm `check` spent about 100 ms finding, reading and
 * linking some 200 modules before doing anything; the CLI's whole budget is about 100 ms.
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
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
  // The CommonJS packages inside (commander, yaml…) call require() for node's own
  // modules, which an ES module has no binding for.
  banner: {
    js: "import { createRequire as azlCreateRequire } from 'node:module'; const require = azlCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(
  `bundled the CLI into ${outdir} (${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB)`,
);
