import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { explainAddonLoadFailure } from '../../../src/store/sqlite-documents.js';

// Node's own message for an addon of another ABI (src/node_binding.cc, DLOpen), as a
// checkout installed under Node 20 and started with Node 22 prints it.
const ABI_MISMATCH = `The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'
was compiled against a different Node.js version using
NODE_MODULE_VERSION 115. This version of Node.js requires
NODE_MODULE_VERSION 127. Please try re-compiling or re-installing
the module (for instance, using \`npm rebuild\` or \`npm install\`).`;

function dlopenError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_DLOPEN_FAILED' });
}

test('an addon built for another Node.js is one line that names both ABIs and the command', () => {
  const error = explainAddonLoadFailure(dlopenError(ABI_MISMATCH));
  expect(error?.exitCode).toBe(78);
  expect(error?.message).not.toContain('\n');
  expect(error?.message).toContain('NODE_MODULE_VERSION 115');
  expect(error?.message).toContain(`Node.js ${process.version} needs 127`);
  expect(error?.message).toContain('npm rebuild better-sqlite3');
});

test('any other load failure of a real addon file still says what to run, in one line', () => {
  // A real ERR_DLOPEN_FAILED from Node: a file that is not a shared object.
  const dir = mkdtempSync(join(tmpdir(), 'azl-addon-'));
  const notAnAddon = join(dir, 'better_sqlite3.node');
  writeFileSync(notAnAddon, 'not an ELF file\n');
  let thrown: unknown;
  try {
    process.dlopen({ exports: {} }, notAnAddon);
  } catch (err) {
    thrown = err;
  }
  const error = explainAddonLoadFailure(thrown);
  expect(error?.message).toMatch(/^the SQLite addon \(better-sqlite3\) does not load in Node\.js/);
  expect(error?.message).not.toContain('\n');
  expect(error?.message).toContain('npm rebuild better-sqlite3');
});

test('errors that are not addon load failures pass through', () => {
  expect(explainAddonLoadFailure(new Error('SQLITE_BUSY'))).toBeUndefined();
  expect(explainAddonLoadFailure('text')).toBeUndefined();
});
