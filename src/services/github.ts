import type { Octokit } from '@octokit/rest';
import { packageVersion } from '../package-info.js';
import { createGitHubClient } from '../sources/github-client.js';
import type { GitHubSettings } from '../settings.js';
import type { Log } from './ports.js';

/**
 * The GitHub client for these settings; the CLI and the Functions app build it the same way.
 * `onRetry` takes the one line said per retry (default: the log's warnings).
 */
export function gitHubClient(
  github: Pick<GitHubSettings, 'GITHUB_API_URL' | 'GITHUB_TOKEN' | 'AZL_HTTP_TIMEOUT_SECONDS'>,
  log?: Log,
  opts: { onRetry?: (line: string) => void } = {},
): Octokit {
  return createGitHubClient({
    ...(opts.onRetry && { onRetry: opts.onRetry }),
    apiUrl: github.GITHUB_API_URL,
    token: github.GITHUB_TOKEN,
    userAgent: `azl-notifier/${packageVersion}`,
    timeoutMs: github.AZL_HTTP_TIMEOUT_SECONDS * 1000,
    ...(log && {
      log: {
        debug: (m: string) => log.debug?.(m),
        info: (m: string) => log.info(m),
        warn: (m: string) => log.warn(m),
        error: (m: string) => log.error(m),
      },
    }),
  });
}
