/**
 * Rebuilds data/spec-catalog/<line>.tsv: the facts (name, EVR, binaries, obsoletes) of every
 * spec version in the published releases of a line, keyed by git blob sha, and
 * <line>-removals.tsv, the releases that dropped a spec path (see the catalog's README). Rows
 * already in the file are kept and not read again, so a refresh after a new release reads
 * only the specs that release changed; a file in an older layout is read again whole.
 *
 *   GITHUB_TOKEN=$(gh auth token) npm run catalog:refresh -- --line 3.0
 *
 * It reads GitHub through the product's own client and parser (GITHUB_API_URL, AZL_REPO),
 * so the catalog says exactly what matching would have read from the specs themselves.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings } from '../src/settings.js';
import { SpecCatalog, specFactsOf, type CatalogRow } from '../src/domain/spec-catalog.js';
import { packageRoot } from '../src/package-info.js';
import { parseUpstreamSpec, specMapAt } from '../src/sources/changeset-source.js';
import { readBlobs } from '../src/sources/git-blobs.js';
import { listReleases, splitRepo } from '../src/sources/releases.js';
import { rpmvercmp } from '../src/domain/rpmvercmp.js';
import { gitHubClient } from '../src/services/github.js';

const { values } = parseArgs({
  options: { line: { type: 'string', default: '3.0' }, out: { type: 'string' } },
});
const line = values.line;
const out = values.out ?? join(packageRoot, 'data', 'spec-catalog', `${line}.tsv`);
const removalsOut = out.replace(/\.tsv$/, '-removals.tsv');
const { github } = loadSettings();
const gh = gitHubClient(github);
const target = splitRepo(github.AZL_REPO);

const rows: CatalogRow[] = [];
const known = new Set<string>();
const existing = existsSync(out) ? readFileSync(out, 'utf8') : '';
// A catalog written before a column was added lacks it for every row: read everything again.
if (existing.startsWith(`${SpecCatalog.toTsv([]).trimEnd()}\n`)) {
  for (const [k, text] of existing.split('\n').entries()) {
    if (k === 0 || text === '') continue;
    const sha = text.split('\t')[0] ?? '';
    known.add(sha);
  }
  // Keep the file's order: for a path, the last row is the newest version known.
  const catalog = SpecCatalog.fromTsv(existing);
  for (const text of existing.split('\n').slice(1)) {
    const row = catalog.get(text.slice(0, 40));
    if (row) rows.push(row);
  }
}

const listing = await listReleases(gh, github.AZL_REPO, { all: true });
if (listing.status !== 'ok') throw new Error('GitHub did not list the releases');
const tags = listing.releases
  .filter((r) => r.line === line && !r.draft && !r.prerelease)
  .map((r) => r.tag)
  .sort(rpmvercmp);
let added = 0;
const removals: { specPath: string; name: string; tag: string }[] = [];
let previous = new Map<string, string>();
const nameOf = new Map<string, string>();
for (const tag of tags) {
  const { data } = await gh.rest.git.getTree({ ...target, tree_sha: tag });
  const specs = await specMapAt(gh, target, data.sha, undefined);
  for (const [path, sha] of previous) {
    if (!specs.has(path)) removals.push({ specPath: path, name: nameOf.get(sha) ?? path, tag });
  }
  previous = specs;
  const fresh = [...specs].filter(([, sha]) => !known.has(sha));
  const texts = await readBlobs(
    gh,
    target,
    fresh.map(([, sha]) => sha),
    { label: tag, where: (sha) => `${fresh.find(([, s]) => s === sha)?.[0] ?? sha} at ${tag}` },
  );
  for (const [path, sha] of fresh) {
    known.add(sha);
    const facts = specFactsOf(parseUpstreamSpec(texts.get(sha) ?? '', path, tag));
    // A spec whose EVR comes from a build-time shell command states none: leave it out.
    if (facts) {
      rows.push({
        sha,
        specPath: path,
        name: facts.name,
        evr: facts.evr,
        binaries: facts.binaries,
        obsoletes: facts.obsoletes ?? [],
      });
      added++;
    }
  }
  for (const row of rows) nameOf.set(row.sha, row.name);
  process.stderr.write(`${tag}: ${fresh.length} new spec versions\n`);
}
writeFileSync(out, SpecCatalog.toTsv(rows));
writeFileSync(removalsOut, SpecCatalog.removalsToTsv(removals));
process.stderr.write(
  `${out}: ${rows.length} spec versions (${added} new) from ${tags.length} releases\n`,
);
