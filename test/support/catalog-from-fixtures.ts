/**
 * Rebuilds a line's shipped spec catalog (data/spec-catalog/<line>.tsv and
 * <line>-removals.tsv) by running the product's own refresh script
 * (scripts/refresh-spec-catalog.ts) against the fake GitHub serving that line's real data:
 * the trees and blob shas of every release tag, and the spec stubs as blob contents. With
 * AZL_FIXTURE_DATA=../shared/data it serves the shared data, whose 2.0 folder holds a stub of
 * every spec (test/fixtures keeps only the ones the tests read). See data/spec-catalog/README.md.
 *
 *   npm run build && npx esbuild test/support/catalog-from-fixtures.ts --bundle \
 *     --platform=node --format=esm --packages=external --outfile=.catalog.mjs && \
 *     AZL_FIXTURE_DATA=../shared/data node .catalog.mjs 2.0
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';

const line = process.argv[2] ?? '3.0';
const github = await FakeGitHub.start({ line });
try {
  // Not spawnSync: the fake answers from this process's event loop.
  const child = spawn(process.execPath, ['dist/scripts/refresh-spec-catalog.js', '--line', line], {
    stdio: 'inherit',
    env: {
      PATH: process.env.PATH ?? '',
      GITHUB_API_URL: github.url,
      AZL_REPO: github.repoSlug,
      AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-catalog-')),
    },
  });
  process.exitCode = await new Promise<number>((resolve) =>
    child.on('close', (code) => resolve(code ?? 1)),
  );
} finally {
  await github.close();
}
