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

/** The local runtime's API with the admin key, JSON by default. */
export function adminApi(
  local: () => { apiUrl: string },
  adminKey: string,
): (route: string, init?: RequestInit) => Promise<Response> {
  return (route, init = {}) =>
    fetch(`${local().apiUrl}/${route}`, {
      ...init,
      headers: { 'content-type': 'application/json', 'x-functions-key': adminKey, ...init.headers },
    });
}

/** POST /api/ops/detect, then the local bus drained: everything the run started is done. */
export async function detectNow<T>(
  api: (route: string, init?: RequestInit) => Promise<Response>,
  local: () => { bus?: { whenIdle(): Promise<void> } | undefined },
): Promise<T> {
  const res = await api('ops/detect', { method: 'POST' });
  if (res.status !== 200) throw new Error(`detect answered ${res.status}: ${await res.text()}`);
  await local().bus?.whenIdle();
  return (await res.json()) as T;
}
