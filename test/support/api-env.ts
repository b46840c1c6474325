import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobServiceClient } from '@azure/storage-blob';
import { SMTPServer } from 'smtp-server';
import { composeApiDeps } from '../../src/api/compose.js';
import type { ApiDeps, MatchFn } from '../../src/api/deps.js';
import { loadConfig } from '../../src/config.js';
import { parseInventory } from '../../src/domain/inventory/index.js';
import { matchInventory } from '../../src/domain/match.js';
import type { ChangeSet } from '../../src/domain/types.js';
import { createEmailSender } from '../../src/notify/email/sender.js';
import type { Resolver } from '../../src/security/ssrf.js';
import { bundledBinaryIndex } from '../../src/services/bundled-index.js';
import { BlobStore } from '../../src/store/blob-store.js';
import { startApiHost, type ApiHost } from './api-host.js';
import { startTestAzurite, type RunningAzurite } from './azurite.js';
import { fixturePackages, fixtureReleases } from './azl-fixtures.js';

/**
 * Everything an API test talks to, all real and on loopback: Azurite with the pipeline's
 * BlobStore, an SMTP server capturing mail, a Teams webhook sink answering 202 like
 * Workflows, and the handlers served over HTTP.
 */
export interface CapturedMail {
  to: string[];
  raw: string;
}

export interface ApiEnv {
  url: string;
  adminKey: string;
  signingKey: string;
  deps: ApiDeps;
  store: BlobStore;
  host: ApiHost;
  mail: CapturedMail[];
  /** POST bodies the Teams sink received. */
  sinkPosts: string[];
  sinkUrl: string;
  /**
   * Every blob (container/name) with its ETag: equal snapshots mean nothing was written.
   * `only` narrows to some containers, for tight loops.
   */
  snapshot(only?: string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}

export const ADMIN_KEY = 'test-admin-key-not-secret';
export const SIGNING_KEY = 'test-signing-key-0123456789abcdef';

/** Nothing resolves: the only webhooks that pass are the loopback sinks, so tests never leave the host. */
const NO_DNS: Resolver = () => Promise.reject(new Error('ENOTFOUND'));

/** Matching as the subscriber sees it, with the bundled binary index for the line. */
export const matchWithIndex: MatchFn = (changeSet, text) =>
  matchInventory(parseInventory(text), changeSet, bundledBinaryIndex(changeSet.release.line));

export async function startApiEnv(opts: { resolve?: Resolver } = {}): Promise<ApiEnv> {
  const azurite: RunningAzurite = await startTestAzurite();
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const store = new BlobStore(service);
  await store.ensureReady();
  // Every container the store made; snapshots list them all in parallel.
  const containers: string[] = [];
  for await (const c of service.listContainers()) containers.push(c.name);

  const mail: CapturedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mail.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const sinkPosts: string[] = [];
  const sink: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      sinkPosts.push(body);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/workflows/hook?sig=SINKSECRET`;

  const config = loadConfig({
    ADMIN_KEY,
    SIGNING_KEY,
    PUBLIC_BASE_URL: 'http://127.0.0.1:7071',
    ALLOW_INSECURE_WEBHOOKS: 'true',
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    EMAIL_FROM: 'azl-notifier <notify@azl.example.com>',
  });
  const sender = createEmailSender(config, { maxAttempts: 1 });
  const deps = composeApiDeps(config, {
    store,
    emailSender: () => sender,
    match: matchWithIndex,
    resolve: opts.resolve ?? NO_DNS,
  });
  const host = await startApiHost(deps);

  return {
    url: host.url,
    adminKey: ADMIN_KEY,
    signingKey: SIGNING_KEY,
    deps,
    store,
    host,
    mail,
    sinkPosts,
    sinkUrl,
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
      await host.close();
      await sender.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      sink.closeAllConnections();
      await new Promise<void>((resolve) => sink.close(() => resolve()));
      await azurite.stop();
    },
  };
}

/**
 * The change set of a recorded release, built from the extracted release data (spec
 * versions and binary lists at the tag) rather than by the code under test.
 */
export function recordedChangeSet(tag: string): ChangeSet {
  const rel = fixtureReleases().find((r) => r.tag === tag);
  if (!rel) throw new Error(`no recorded release ${tag}`);
  const bySource = new Map(fixturePackages(tag).map((p) => [p.sourcePackage, p]));
  const line = tag.slice(tag.lastIndexOf('-') + 1);
  const release = {
    tag,
    line,
    publishedAt: `${rel.date}T00:00:00Z`,
    url: `https://github.com/microsoft/azurelinux/releases/tag/${tag}`,
    draft: false,
    prerelease: false,
  };
  return {
    release,
    previousTag: rel.previous_tag ?? null,
    dist: '.azl3',
    compareUrl: null,
    changes: (rel.changes ?? []).map((c) => ({
      sourcePackage: c.source_package,
      kind: c.kind,
      from: c.from,
      to: c.to,
      specPath: c.spec_path,
      binaries: (bySource.get(c.source_package)?.binaries ?? [c.source_package])
        .filter(Boolean)
        .map((name) => ({ name, evr: c.to ?? c.from ?? '' })),
      cves: c.cves.map((id) => ({ id, severity: 'unknown' as const })),
      severity: 'unknown' as const,
    })),
  };
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
