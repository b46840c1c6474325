import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { parseNodeImage, refuseRetiredImage } from '../../domain/node-image.js';
import { requireCheckKey } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { json, parseWith, readJson } from '../http.js';
import { parseInventoryField } from '../inventory-input.js';
import {
  CheckRequest,
  MAX_CHECK_BYTES,
  ReleaseCountsQuery,
  ReleaseSummaryQuery,
  ReleaseTagOrLatest,
} from '../schemas.js';
import { sha256 } from '../../services/bundle.js';
import { assertLine } from '../../services/check.js';

/**
 * POST /api/check: `azl-notifier check --server`. The check key is checked before the body
 * is read; each package list is parsed as an upload is, named as the runner named it, so a
 * refusal reads as a local run's would ("node.txt: line 7: …"). The answer is the one a
 * local check computes, and the runner renders it.
 */
export async function postCheck(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  requireCheckKey(req, deps, { hostCheckedKey: true });
  const body = parseWith(CheckRequest, await readJson(req, MAX_CHECK_BYTES));
  const inventories = body.inventories.map(({ label, text }) => ({
    label,
    inventory: parseInventoryField(text, label),
  }));
  const images = body.aksNodeImages.map((name) => {
    const image = parseNodeImage(name);
    refuseRetiredImage(image);
    return image;
  });
  const reply = await deps.checks.answer({
    release: body.release,
    line: body.line,
    from: body.from,
    oval: body.oval,
    inventories,
    images,
    pools: body.pools,
  });
  return json(200, reply);
}

/** GET /api/check/releases/{tag}: `release --server`, the summary `release -f json` prints. */
export async function getReleaseSummary(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  requireCheckKey(req, deps, { hostCheckedKey: true });
  const { line, oval } = parseWith(ReleaseSummaryQuery, Object.fromEntries(req.query));
  const tag = parseWith(ReleaseTagOrLatest, req.params.tag);
  assertLine(line);
  return json(200, await deps.checks.releaseSummary({ tag, line, oval: oval === 'true' }));
}

/** GET /api/check/releases: `releases --server`, a line's newest releases with counts. */
export async function getReleaseCounts(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  requireCheckKey(req, deps, { hostCheckedKey: true });
  const { line, limit } = parseWith(ReleaseCountsQuery, Object.fromEntries(req.query));
  assertLine(line);
  return json(200, await deps.checks.releaseCounts({ line, limit }));
}

/**
 * GET /api/bundles/{line}: the newest bundle of a line, as `azl-notifier bundle create`
 * writes it, for a mirror job to carry across an air gap. Its ETag is its SHA-256, so a job
 * that asks again with If-None-Match gets a 304 until a newer bundle is made.
 */
export async function getBundle(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  requireCheckKey(req, deps, { hostCheckedKey: true });
  const line = req.params.line ?? '';
  assertLine(line);
  const { manifest, bytes } = await deps.checks.bundle(line);
  const etag = `"${sha256(bytes)}"`;
  const headers = {
    etag,
    'cache-control': 'no-cache',
    'x-azl-bundle-created': manifest.createdAt,
  };
  if (req.headers.get('if-none-match') === etag) return { status: 304, headers };
  const day = manifest.createdAt.slice(0, 10).replaceAll('-', '');
  return {
    status: 200,
    headers: {
      ...headers,
      'content-type': 'application/gzip',
      'content-disposition': `attachment; filename="azl-${line}-${day}.tar.gz"`,
    },
    body: bytes,
  };
}
