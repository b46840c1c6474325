/** Far in the future: timers never fire during a test, which runs detection when it says so. */
const NEVER = '0 0 0 1 1 *';

/**
 * The settings every test of the local runtime starts from: GitHub is the loopback fake,
 * webhooks may be plain-HTTP loopback sinks, the HTTP host takes a free port, and the timers
 * stay quiet. Tests add their own storage, mail and bus settings on top.
 */
export function localRuntimeSettings(opts: {
  github: { url: string; repoSlug: string };
  adminKey: string;
  dataDir: string;
}): Record<string, string> {
  return {
    GITHUB_API_URL: opts.github.url,
    AZL_REPO: opts.github.repoSlug,
    ALLOW_INSECURE_WEBHOOKS: 'true',
    ADMIN_KEY: opts.adminKey,
    PORT: '0',
    DATA_DIR: opts.dataDir,
    DETECT_SCHEDULE: NEVER,
    DIGEST_SCHEDULE: NEVER,
    // The default feed lives on raw.githubusercontent.com: tests that need one serve it.
    AZL_OVAL_URL: 'off',
  };
}
