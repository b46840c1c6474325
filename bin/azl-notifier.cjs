#!/usr/bin/env node
'use strict';
/*
 * Launcher: runs the CLI's bundle (dist/cli/azl-notifier.cjs, built by `npm ci` through the
 * `prepare` script) with V8's code cache, so a run after the first skips compiling it: about
 * a sixth of a warm `check`. Node 22 does this itself (module.enableCompileCache); Node 20 can
 * only through vm.Script's cachedData, which is what this does.
 *
 * The cache is a speed-up, never a requirement: any failure to read or write it is ignored
 * and the bundle runs as plain code. It lives in a directory of the user's own under the
 * system's temporary directory, as Node's own compile cache does, and is used only if that
 * directory belongs to this user and nobody else can write to it: compiled code is code.
 * V8 refuses a cache made for another source or another V8, and the file's name carries the
 * bundle's size and mtime, so a rebuilt bundle never meets an old cache.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'cli', 'azl-notifier.cjs');
const source = fs.readFileSync(bundle, 'utf8');

/** The cache directory, if it is ours alone; undefined when it cannot be. */
function cacheDirectory() {
  try {
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    const dir = path.join(os.tmpdir(), `azl-notifier-v8-${uid ?? 'user'}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory()) return undefined;
    if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o077) !== 0)) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

const dir = cacheDirectory();
let cacheFile;
let cachedData;
if (dir) {
  const { size, mtimeMs } = fs.statSync(bundle);
  cacheFile = path.join(
    dir,
    `${process.version}-${process.arch}-${size}-${Math.floor(mtimeMs)}.bin`,
  );
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
}

// The wrapper Node itself puts around a CommonJS module.
const script = new vm.Script(
  `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
  { filename: bundle, cachedData },
);

if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
  // Made at exit, so it holds the functions this run compiled, not only the top level.
  process.once('exit', () => {
    try {
      const temp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(temp, cacheFile);
      // Caches of earlier bundles or Node versions will not be read again.
      for (const name of fs.readdirSync(dir)) {
        if (name !== path.basename(cacheFile)) fs.rmSync(path.join(dir, name), { force: true });
      }
    } catch {
      // Only a speed-up: the next run compiles again.
    }
  });
}

const module_ = { exports: {} };
script.runInThisContext()(
  module_.exports,
  createRequire(bundle),
  module_,
  bundle,
  path.dirname(bundle),
);
