/**
 * Rebuilds data/spec-catalog/<line>.tsv: the facts (name, EVR, binaries) of every spec
 * version in the published releases of a line, keyed by git blob sha (see the catalog's
 * README). Rows already in the file are kept and not read again, so a refresh after a new
 * release reads only the specs that release changed.
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
const { github } = loadSettings();
const gh = gitHubClient(github);
const target = splitRepo(github.AZL_REPO);

const rows: CatalogRow[] = [];
const known = new Set<string>();
if (existsSync(out)) {
  const existing = readFileSync(out, 'utf8');
  for (const [k, text] of existing.split('\n').entries()) {
    if (k === 0 || text === '') continue;
    const sha = text.split('\t')[0] ?? '';
    known.add(sha);
  }
  // Keep the file's order: for a path, the last row is the newest version known.
  const catalog = SpecCatalog.fromTsv(existing);
  for (const text of existing.split('\n').slice(1)) {
    const [sha = '', , , specPath = ''] = text.split('\t');
    const facts = catalog.get(sha);
    if (facts) rows.push({ sha, specPath, ...facts });
  }
}

const listing = await listReleases(gh, github.AZL_REPO, { all: true });
if (listing.status !== 'ok') throw new Error('GitHub did not list the releases');
const tags = listing.releases
  .filter((r) => r.line === line && !r.draft && !r.prerelease)
  .map((r) => r.tag)
  .sort(rpmvercmp);
let added = 0;
for (const tag of tags) {
  const { data } = await gh.rest.git.getTree({ ...target, tree_sha: tag });
  const specs = await specMapAt(gh, target, data.sha, undefined);
  const fresh = [...specs].filter(([, sha]) => !known.has(sha));
  const texts = await readBlobs(
    gh,
    target,
    fresh.map(([, sha]) => sha),
    { label: tag },
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
      });
      added++;
    }
  }
  process.stderr.write(`${tag}: ${fresh.length} new spec versions\n`);
}
writeFileSync(out, SpecCatalog.toTsv(rows));
process.stderr.write(
  `${out}: ${rows.length} spec versions (${added} new) from ${tags.length} releases\n`,
);
