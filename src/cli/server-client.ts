/**
 * `check --server`: one POST to the team's deployment, which answers from its warm state
 * with the same reply a local check computes (src/services/check.ts). The runner sends no
 * request to GitHub; what it renders is its own (every output format), as is the ignore file.
 */
import type { AppError } from '../errors.js';
import {
  InputError,
  NotFoundError,
  TooLargeError,
  UnprocessableError,
  UpstreamError,
} from '../errors.js';
import { CHECK_ROUTE, type CheckRequestBody, type ServerAnswer } from '../services/check-wire.js';
import type { CheckReply } from '../services/check.js';
import { httpFetch } from '../sources/http-fetch.js';
import { networkReason } from '../sources/network-error.js';

export interface ServerTarget {
  /** The deployment's base address, as in its links: `https://azl.example.com`. */
  url: string;
  /** AZL_SERVER_KEY: the deployment's check key. */
  key: string | undefined;
  timeoutMs: number;
}

/** The server could not be reached at all: the one failure `--server-fallback` covers. */
export class ServerUnreachableError extends UpstreamError {}

/** Where a path of the deployment's API is: the base address, then `api/…`. */
export function serverUrl(base: string, path: string): URL {
  return new URL(`api/${path}`, base.endsWith('/') ? base : `${base}/`);
}

export async function askServer(
  target: ServerTarget,
  body: CheckRequestBody,
  expected: { inventories: number; pools: number },
): Promise<CheckReply & { warnings?: string[] }> {
  return serverJson(
    target,
    CHECK_ROUTE,
    { method: 'POST', body: JSON.stringify(body) },
    (reply): reply is CheckReply & { warnings?: string[] } => isReply(reply, expected),
  );
}

/**
 * A JSON answer of the deployment, refused unless it has the shape asked for: a server
 * that is no azl-notifier (a login page behind a proxy) is said to be one, not rendered.
 */
export async function serverJson<T>(
  target: ServerTarget,
  path: string,
  init: { method: string; body?: string },
  isAnswer: (value: unknown) => value is T,
): Promise<T> {
  const response = await requestServer(target, path, {
    ...init,
    headers: {
      accept: 'application/json',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
  });
  let answer: unknown;
  try {
    answer = JSON.parse(await response.text());
  } catch {
    answer = undefined;
  }
  if (!isAnswer(answer)) {
    throw new UpstreamError(
      `${host(target)} answered ${response.status} but not with an azl-notifier answer: is ${target.url} an azl-notifier deployment?`,
    );
  }
  return answer;
}

/**
 * A GET of the deployment's for an answer of a `release`-like command, as answerFrom takes
 * it: the answer, recognised by `isAnswer`, and the warnings a local run would have printed.
 */
export function serverGet<T>(
  path: string,
  query: Record<string, string>,
  isAnswer: (answer: unknown) => answer is T,
): (target: ServerTarget) => Promise<ServerAnswer<T>> {
  return (target) =>
    serverJson(
      target,
      `${path}?${new URLSearchParams(query).toString()}`,
      { method: 'GET' },
      (value): value is ServerAnswer<T> =>
        typeof value === 'object' &&
        value !== null &&
        isAnswer((value as { answer?: unknown }).answer) &&
        Array.isArray((value as { warnings?: unknown }).warnings),
    );
}

/**
 * One request to the deployment with the check key; any answer but 2xx is one line naming
 * the server and what it said, with the exit code of the same failure in a local run.
 */
export async function requestServer(
  target: ServerTarget,
  path: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<Awaited<ReturnType<typeof httpFetch>>> {
  if (!target.key) {
    throw new InputError(
      'set AZL_SERVER_KEY to the check key of the deployment (never a flag, so it stays out of process listings and logs)',
    );
  }
  let response;
  try {
    response = await httpFetch(serverUrl(target.url, path), {
      ...init,
      headers: { ...init.headers, 'x-functions-key': target.key },
      // The key goes to the address given, and nowhere a redirect points.
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (error) {
    const reason = networkReason(error) ?? (error instanceof Error ? error.message : 'failed');
    throw new ServerUnreachableError(`cannot reach the server ${host(target)}: ${reason}`, error);
  }
  if (response.ok) return response;
  throw await refusal(target, response);
}

async function refusal(
  target: ServerTarget,
  response: Awaited<ReturnType<typeof httpFetch>>,
): Promise<AppError> {
  const detail = await problemDetail(response);
  const said = `${host(target)} answered ${response.status}${detail ? `: ${detail}` : ''}`;
  switch (response.status) {
    case 400:
      return new InputError(said);
    case 401:
    case 403:
      return new InputError(
        `${said} (AZL_SERVER_KEY must be the deployment's check key: docs/deploy.md)`,
      );
    case 404:
      return new NotFoundError(said);
    case 413:
      return new TooLargeError(said);
    case 422:
      return new UnprocessableError(said);
    default:
      if (response.status >= 300 && response.status < 400) {
        return new UpstreamError(
          `${host(target)} answered a redirect (${response.status}): give the deployment's own address with --server`,
        );
      }
      return new UpstreamError(said);
  }
}

/** The problem+json `detail` (or `title`), when the server sent one. */
async function problemDetail(
  response: Awaited<ReturnType<typeof httpFetch>>,
): Promise<string | undefined> {
  try {
    const problem = JSON.parse(await response.text()) as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') return problem.detail;
    if (typeof problem.title === 'string') return problem.title;
  } catch {
    // Not problem+json (a proxy's page): the status says enough.
  }
  return undefined;
}

const host = (target: ServerTarget): string => {
  try {
    return new URL(target.url).host;
  } catch {
    return target.url;
  }
};

function isReply(
  value: unknown,
  expected: { inventories: number; pools: number },
): value is CheckReply {
  const reply = value as Partial<CheckReply> | null | undefined;
  return (
    typeof reply === 'object' &&
    reply !== null &&
    Array.isArray(reply.inventories) &&
    reply.inventories.length === expected.inventories &&
    Array.isArray(reply.pools) &&
    reply.pools.length === expected.pools &&
    typeof reply.nothing === 'object' &&
    reply.nothing !== null
  );
}
