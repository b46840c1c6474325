/**
 * Where a CLI check's answer comes from, chosen once per run and never changed silently:
 * - GitHub through the cache (the default; `--offline`: the cache alone);
 * - a bundle (`--bundle`, AZL_BUNDLE): no network at all;
 * - the team's deployment (`--server`, AZL_SERVER_URL): one request, none to GitHub; GitHub
 *   only after the server could not be reached, and only with `--server-fallback`.
 * Each computes the same reply (src/services/check.ts), so every format renders alike.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { InputError, NotFoundError, type AppError } from '../errors.js';
import { answerCheck, type CheckQuestion, type CheckReply } from '../services/check.js';
import type { CheckRequestBody } from '../services/check-wire.js';
import { loadRelease } from '../services/load-release.js';
import { sessionNodeImages } from '../services/node-images.js';
import { sessionOver, type ReleaseSession } from '../services/release-session.js';
import { isLoopbackUrl, type GitHubSettings } from '../settings.js';
import { openBundle, type BundleFacts, type OpenedBundle } from '../services/bundle-file.js';
import type { StderrReporter } from './progress.js';
import { printable } from './errors.js';
import { askServer, ServerUnreachableError, type ServerTarget } from './server-client.js';
import { sessionFor } from './session.js';
import { cliSettings } from './settings.js';

/** The options that choose where data comes from, shared by check, render, release(s). */
export interface SourceOptions {
  cache: boolean;
  offline?: boolean;
  server?: string;
  serverFallback?: boolean;
  bundle?: string;
}

export function withSourceOptions(command: Command): Command {
  return command
    .option('--no-cache', 'do not reuse (or keep) anything downloaded by earlier runs')
    .option(
      '--offline',
      'answer from the cache alone, with no network (exit 5 if it lacks something)',
    )
    .option(
      '--server <url>',
      "ask your team's azl-notifier deployment instead of GitHub: one request, none to GitHub (its base address, e.g. https://azl.example.com; the check key from AZL_SERVER_KEY; or set AZL_SERVER_URL)",
    )
    .option(
      '--server-fallback',
      'when the --server cannot be reached, ask GitHub instead (a warning says so); without it that is exit 5',
    )
    .option(
      '--bundle <file>',
      'answer from a bundle made by `azl-notifier bundle create`, with no network at all (or set AZL_BUNDLE)',
    );
}

/**
 * Where a command's data comes from: a release session (GitHub and the cache, or a bundle),
 * or the team's deployment.
 */
export type DataSource =
  | {
      kind: 'session';
      session: ReleaseSession;
      /** Why nothing may be read live (Azure Resource Manager included), when that is so. */
      offline: string | undefined;
      /** The bundle answering, for its age. */
      bundle: BundleFacts | undefined;
    }
  | {
      kind: 'server';
      target: ServerTarget;
      /** GitHub through the cache, with --server-fallback. */
      fallback: (() => ReleaseSession) | undefined;
    };

/** The source the options and settings choose; contradictory choices are exit 2. */
export async function dataSourceFor(
  options: SourceOptions,
  reporter: StderrReporter,
): Promise<DataSource> {
  const { cli, github } = cliSettings();
  // A flag wins over the environment: a runner-wide AZL_SERVER_URL does not stop a job from
  // choosing --bundle or --offline; two flags that contradict each other are refused below.
  const flagged = options.server ?? options.bundle ?? options.offline;
  const server = options.server ?? (flagged === undefined ? cli.AZL_SERVER_URL : undefined);
  const bundle = options.bundle ?? (flagged === undefined ? cli.AZL_BUNDLE : undefined);
  if (options.server !== undefined) assertServerUrl(options.server);
  if (server !== undefined && bundle !== undefined) {
    throw new InputError(
      'choose one source: --server (AZL_SERVER_URL) or --bundle (AZL_BUNDLE), not both',
    );
  }
  if (options.serverFallback && server === undefined) {
    throw new InputError('--server-fallback goes with --server (or AZL_SERVER_URL)');
  }
  if ((server !== undefined || bundle !== undefined) && options.offline) {
    throw new InputError(
      `--offline answers from the cache; ${server !== undefined ? '--server asks your deployment' : '--bundle answers with no network already'}: drop one`,
    );
  }
  if (bundle !== undefined) {
    const opened = await openBundle(bundle);
    return {
      kind: 'session',
      session: bundleSession(opened, bundle, github, reporter),
      offline: '--bundle answers with no network',
      bundle: { file: bundle, createdAt: opened.manifest.createdAt },
    };
  }
  if (server === undefined) {
    const session = sessionFor(options, reporter);
    return {
      kind: 'session',
      session,
      offline: session.offline ? '--offline answers from the cache' : undefined,
      bundle: undefined,
    };
  }
  return {
    kind: 'server',
    target: {
      url: server,
      key: cli.AZL_SERVER_KEY,
      timeoutMs: github.AZL_HTTP_TIMEOUT_SECONDS * 1000,
    },
    fallback: options.serverFallback ? () => sessionFor(options, reporter) : undefined,
  };
}

/**
 * The answer from where the source says: `local` over a session, or `remote` from the
 * deployment, whose warnings are said on stderr as a local run would say them. Only a
 * deployment that cannot be reached at all falls back, with --server-fallback, and says so.
 */
export async function answerFrom<T>(
  source: DataSource,
  reporter: StderrReporter,
  local: (session: ReleaseSession) => Promise<T>,
  remote: (target: ServerTarget) => Promise<{ answer: T; warnings?: string[] | undefined }>,
): Promise<T> {
  if (source.kind === 'session') return local(source.session);
  reporter.progress?.(`Asking ${new URL(source.target.url).host}`, 0, 0);
  try {
    const { answer, warnings } = await remote(source.target);
    for (const warning of warnings ?? []) reporter.warn(printable(warning));
    return answer;
  } catch (error) {
    if (!(error instanceof ServerUnreachableError) || !source.fallback) throw error;
    reporter.warn(`warning: ${error.message}; --server-fallback: asking GitHub instead`);
    return local(source.fallback());
  }
}

export interface CheckSource {
  offline: string | undefined;
  bundle: BundleFacts | undefined;
  answer(question: CheckQuestion, texts: { label: string; text: string }[]): Promise<CheckReply>;
}

/** Where a check's answer comes from (check and render). */
export async function checkSourceFor(
  options: SourceOptions,
  reporter: StderrReporter,
): Promise<CheckSource> {
  const source = await dataSourceFor(options, reporter);
  return {
    offline: source.kind === 'session' ? source.offline : undefined,
    bundle: source.kind === 'session' ? source.bundle : undefined,
    answer: (question, texts) =>
      answerFrom(
        source,
        reporter,
        (session) => answerCheck(sessionSources(session), question),
        async (target) => {
          const { warnings, ...answer } = await askServer(target, wireOf(question, texts), {
            inventories: question.inventories.length + question.images.length,
            pools: question.pools.length,
          });
          return { answer, warnings };
        },
      ),
  };
}

/** `--server` is checked as AZL_SERVER_URL is (src/settings.ts), with the flag's name. */
function assertServerUrl(url: string): void {
  if (!URL.canParse(url)) {
    throw new InputError(
      `--server ${JSON.stringify(url)} is not a URL (e.g. https://azl.example.com)`,
    );
  }
  if (!url.startsWith('https://') && !isLoopbackUrl(url)) {
    throw new InputError(
      '--server must be an https:// URL (the check key goes there); http only for localhost',
    );
  }
}

/** What the deployment is asked: the question, its package lists as the text read. */
function wireOf(
  question: CheckQuestion,
  texts: { label: string; text: string }[],
): CheckRequestBody {
  return {
    release: question.release,
    ...(question.line !== undefined ? { line: question.line } : {}),
    ...(question.from !== undefined ? { from: question.from } : {}),
    oval: question.oval,
    inventories: texts,
    aksNodeImages: question.images.map((image) => image.name),
    pools: question.pools,
  };
}

/** A check's data through a release session: its release and AgentBaker's notes. */
export function sessionSources(session: ReleaseSession): Parameters<typeof answerCheck>[0] {
  return {
    release: (query) => loadRelease(session, query),
    nodeImages: () => sessionNodeImages(session),
  };
}

/**
 * A session over a bundle: offline, with the bundle's own repositories and feed, so its keys
 * and its answers are those of the connected session that made it. Whatever it lacks is
 * exit 4, "not in this bundle", with the date it was made.
 */
function bundleSession(
  opened: OpenedBundle,
  file: string,
  github: GitHubSettings,
  reporter: StderrReporter,
): ReleaseSession {
  const { manifest, store } = opened;
  const made = manifest.createdAt.slice(0, 10);
  return sessionOver(
    {
      ...github,
      AZL_REPO: manifest.origin.repo,
      AKS_NODE_IMAGE_REPO: manifest.origin.notesRepo,
      // The bundle's feed, unless the user turned the feed off.
      AZL_OVAL_URL:
        github.AZL_OVAL_URL?.trim().toLowerCase() === 'off'
          ? 'off'
          : (manifest.origin.ovalUrl ?? 'off'),
    },
    {
      cache: store,
      offline: true,
      missing: (what): AppError =>
        new NotFoundError(
          `not in this bundle (made ${made}): ${basename(file)} ${what}; make a newer one with azl-notifier bundle create`,
        ),
      keptIn: basename(file),
      warn: (line) => reporter.warn(line),
      onProgress: reporter.progress,
    },
  );
}
