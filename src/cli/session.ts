import { cliSettings } from './settings.js';
import { openSession, type ReleaseSession } from '../services/release-session.js';
import type { StderrReporter } from './progress.js';

/** The session of a command run: its settings, cache choice, and stderr for what it says. */
export function sessionFor(
  options: { cache: boolean; offline?: boolean | undefined },
  reporter: StderrReporter,
): ReleaseSession {
  return openSession(cliSettings(), {
    useCache: options.cache,
    offline: options.offline === true,
    onWarning: (w) => reporter.warn(w),
    onProgress: reporter.progress,
  });
}
