import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { loadSettings } from '../../src/settings.js';
import type { ChangeSet } from '../../src/domain/types.js';
import { startLocalRuntime, type LocalRuntime } from '../../src/app/local-runtime.js';
import type { Resolver } from '../../src/security/ssrf.js';
import type { Store } from '../../src/store/store.js';
import { startTestAzurite } from './azurite.js';
import { changelogCves } from '../../src/domain/changelog.js';
import { parseSpec } from '../../src/domain/spec.js';
import { fixtureGitRepo } from '../../scripts/stand-ins/git-repo.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { fixturePackages, fixtureReleases, newlyFixed, specStub } from './fixtures.js';
import { startSmtpSink, type CapturedMail } from '../../scripts/stand-ins/mail-sink.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';

/**
 * The API as `npm start` serves it: the local runtime (same function handlers over HTTP
 * under /api) on Azurite, with a real SMTP server capturing mail and a Teams webhook sink
 * answering 202 like Workflows. Everything on loopback.
 */
export interface ApiEnv {
  /** Base URL without /api. */
  url: string;
  adminKey: string;
  signingKey: string;
  store: Store;
  mail: CapturedMail[];
  /** POST bodies the Teams sink received. */
  readonly sinkPosts: string[];
  sinkUrl: string;
  /** The SMTP server: `down()` refuses connections as a dead mail server does, `up()` is back. */
  smtp: { down(): Promise<void>; up(): Promise<void> };
  /** Lines the runtime logged as warnings (mail failures end up here). */
  warnings: string[];
  /** Lines the runtime logged as errors (unexpected exceptions end up here). */
  errors: string[];
  /**
   * Every blob (container/name) with its ETag: equal snapshots mean nothing was written.
   * `only` narrows to some containers, for tight loops.
   */
  snapshot(only?: string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}

export const ADMIN_KEY = 'test-admin-key-not-secret-0123456789';
export const SIGNING_KEY = 'test-signing-key-0123456789abcdef';

/** Nothing resolves: the only webhooks that pass are the loopback sinks, so no query leaves the host. */
const NO_DNS: Resolver = () => Promise.reject(new Error('ENOTFOUND'));

export interface ApiEnvOptions {
  /**
   * Links in messages point at this very runtime (PUBLIC_BASE_URL is its own address), so a
   * browser can follow them. Otherwise they point at 127.0.0.1:7071, a fixed value the API
   * tests compare against.
   */
  linksToSelf?: boolean;
}

/** A port nothing listens on right now, for a server that must know its address up front. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startApiEnv(opts: ApiEnvOptions = {}): Promise<ApiEnv> {
  const [azurite, smtp, teams, github] = await Promise.all([
    startTestAzurite(),
    startSmtpSink(),
    startTeamsSink(),
    // Matching reads the specs of what an inventory is behind on, by their blob sha.
    FakeGitHub.start(),
  ]);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'azl-api-'));
  const errors: string[] = [];
  const warnings: string[] = [];
  const port = opts.linksToSelf ? await freePort() : 0;
  const config = loadSettings({
    AzureWebJobsStorage: azurite.connectionString,
    ADMIN_KEY,
    SIGNING_KEY,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port || 7071}`,
    ALLOW_INSECURE_WEBHOOKS: 'true',
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'azl-notifier <notify@azl.example.com>',
    PORT: String(port),
    DATA_DIR: dataDir,
    GITHUB_API_URL: github.url,
    AZL_REPO: github.repoSlug,
    AZL_OVAL_URL: 'off',
    // No timers during API tests: detection is not what they exercise.
    DETECT_SCHEDULE: '0 0 0 1 1 *',
    DIGEST_SCHEDULE: '0 0 0 1 1 *',
  });
  const local: LocalRuntime = await startLocalRuntime(
    config,
    { info: () => {}, warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    { resolve: NO_DNS },
  );
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const containers: string[] = [];
  for await (const c of service.listContainers()) containers.push(c.name);

  return {
    url: local.apiUrl.replace(/\/api$/, ''),
    adminKey: ADMIN_KEY,
    signingKey: SIGNING_KEY,
    store: local.runtime.store,
    mail: smtp.mails,
    get sinkPosts() {
      return teams.posts.map((p) => p.body);
    },
    sinkUrl: `${teams.url}/workflows/hook?sig=SINKSECRET`,
    smtp: { down: () => smtp.down(), up: () => smtp.up() },
    warnings,
    errors,
    async snapshot(only) {
      const listed = await Promise.all(
        (only ?? containers).map(async (name) => {
          const rows: [string, string][] = [];
          for await (const blob of service.getContainerClient(name).listBlobsFlat()) {
            rows.push([`${name}/${blob.name}`, blob.properties.etag ?? '']);
          }
          return rows;
        }),
      );
      return new Map(listed.flat().sort(([x], [y]) => x.localeCompare(y)));
    },
    async close() {
      await local.stop();
      await Promise.all([azurite.stop(), smtp.close(), teams.close(), github.close()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The change set of a recorded release, built from the extracted release data (spec
 * versions and binary lists at the tag, the real changelogs, the tag's tree) rather than
 * by the code under test.
 */
export function recordedChangeSet(tag: string): ChangeSet {
  const rel = fixtureReleases().find((r) => r.tag === tag);
  if (!rel) throw new Error(`no recorded release ${tag}`);
  const bySource = new Map(fixturePackages(tag).map((p) => [p.sourcePackage, p]));
  const line = tag.slice(tag.lastIndexOf('-') + 1);
  const release = {
    tag,
    line,
    // The extracted data carries the full timestamp; older extracts had the day alone.
    publishedAt: rel.date.includes('T')
      ? new Date(rel.date).toISOString()
      : `${rel.date}T00:00:00Z`,
    url: `https://github.com/microsoft/azurelinux/releases/tag/${tag}`,
    draft: false,
    prerelease: false,
  };
  return {
    release,
    previousTag: rel.previous_tag ?? null,
    dist: '.azl3',
    compareUrl: null,
    tree: fixtureGitRepo().roots.get(tag) ?? null,
    titleSeverities: {},
    changes: (rel.changes ?? []).map((c) => ({
      sourcePackage: c.source_package,
      kind: c.kind,
      from: c.from,
      to: c.to,
      specPath: c.spec_path,
      binaries: (bySource.get(c.source_package)?.binaries ?? [c.source_package])
        .filter(Boolean)
        .map((name) => ({ name, evr: c.to ?? c.from ?? '' })),
      cves: newlyFixed(c).map((id) => ({
        id,
        severity: 'unknown' as const,
        severitySource: null,
        sources: ['changelog' as const],
      })),
      severity: 'unknown' as const,
      changelog: c.to_blob ? changelogCves(parseSpec(specStub(c.to_blob))) : [],
    })),
  };
}

/**
 * Records a release from the extracted data as detection would, published and compared with
 * the release before it (create-if-absent: a second call for the same tag changes nothing).
 */
export async function storeRecordedRelease(
  store: Store,
  tag: string,
  detectedAt = '2026-04-30T00:00:00Z',
): Promise<void> {
  const changeSet = recordedChangeSet(tag);
  await store.createRelease({
    release: changeSet.release,
    previousTag: changeSet.previousTag,
    status: 'published',
    changeSet,
    detectedAt,
  });
}

/**
 * Creates a subscription with the admin key, as the README's first step does: Azure Linux 3.0,
 * a Teams channel on the sink and an instant email to `<name>@example.com`; `extra` adds or
 * replaces fields. Throws with the answer unless it is 201.
 */
export async function createSubscription(
  env: ApiEnv,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<Awaited<ReturnType<typeof api>>> {
  const res = await api(env, 'POST', '/api/subscriptions', {
    admin: true,
    json: {
      name,
      lines: ['3.0'],
      channels: [
        { type: 'teams', webhookUrl: env.sinkUrl },
        { type: 'email', address: `${name}@example.com`, frequency: 'instant' },
      ],
      ...extra,
    },
  });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${res.text}`);
  return res;
}

export async function api(
  env: ApiEnv,
  method: string,
  path: string,
  opts: { token?: string; admin?: boolean; json?: unknown; body?: string; type?: string } = {},
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.admin) headers['x-functions-key'] = env.adminKey;
  let body: string | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  if (opts.type) headers['content-type'] = opts.type;
  const res = await fetch(env.url + path, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: parsed };
}

/**
 * Every link to this runtime in a text, once each: mail is quoted-printable (soft breaks and
 * `=3D` undone) and HTML escapes `&`.
 */
export function linksIn(env: Pick<ApiEnv, 'url'>, text: string): string[] {
  const plain = text
    .replace(/=\r?\n/g, '')
    .replace(/=3D/gi, '=')
    .replace(/&amp;/g, '&');
  const base = env.url.replace(/[.]/g, '\\.');
  const found = plain.matchAll(new RegExp(`${base}/[^\\s"'<>\\\\]+`, 'g'));
  return [...new Set([...found].map((m) => m[0]))];
}
