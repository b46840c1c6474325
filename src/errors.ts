/**
 * A small typed error hierarchy. Every error a user can cause or meet carries an HTTP
 * status and a one-line message that is safe to show (never a secret, never a stack).
 * HTTP handlers map it to RFC 9457 problem+json; the CLI prints `message` and exits
 * with `exitCode`; non-HTTP triggers log it and rethrow so the platform retries.
 */
export class AppError extends Error {
  readonly status: number;
  /** Stable machine-readable slug, used as the problem `type` suffix. */
  readonly code: string;
  readonly exitCode: number;
  /** Field-level details for problem+json (`errors: [{path, message}]`). */
  readonly details: { path: string; message: string }[];

  constructor(
    message: string,
    opts: {
      status: number;
      code: string;
      exitCode?: number;
      details?: { path: string; message: string }[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.status = opts.status;
    this.code = opts.code;
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details ?? [];
  }
}

/**
 * A setting of the app that is missing, malformed or inconsistent: the operator's mistake,
 * never the caller's. At start-up it is one line naming every bad setting and exit 78
 * (EX_CONFIG, sysexits.h). Under HTTP it is logged and answered as a bare 500 "server
 * misconfigured" (src/api/problem.ts), so nothing about the setup reaches anonymous callers.
 */
export class ConfigError extends AppError {
  /**
   * The setting groups (src/settings.ts) holding a Key Vault reference the platform has not
   * resolved: a state that heals once the app's identity can read the vault, which
   * `GET /api/health` reports (by group, never a value) so a deployment can wait for it.
   */
  readonly unresolved: readonly string[];

  constructor(
    message: string,
    opts: { details?: { path: string; message: string }[]; unresolved?: string[] } = {},
  ) {
    super(message, {
      status: 500,
      code: 'server-misconfigured',
      exitCode: 78,
      details: opts.details ?? [],
    });
    this.unresolved = opts.unresolved ?? [];
  }
}

/** Malformed user input: a bad inventory line, an unparsable version, a bad flag. */
export class InputError extends AppError {
  /** 1-based line number in the user's input, when the input is line-oriented. */
  readonly line: number | undefined;
  constructor(
    message: string,
    opts: { line?: number; details?: { path: string; message: string }[]; status?: number } = {},
  ) {
    super(opts.line === undefined ? message : `line ${opts.line}: ${message}`, {
      status: opts.status ?? 400,
      code: 'invalid-input',
      exitCode: 2,
      details: opts.details ?? [],
    });
    this.line = opts.line;
  }
}

/**
 * Input that is well-formed but cannot be right: an inventory of another distribution, or
 * of another Azure Linux line than the one asked about (422). Answering "nothing affected"
 * for it would be a wrong answer that looks right, so it is refused.
 */
export class UnprocessableError extends AppError {
  readonly line: number | undefined;
  constructor(message: string, opts: { line?: number } = {}) {
    super(opts.line === undefined ? message : `line ${opts.line}: ${message}`, {
      status: 422,
      code: 'unprocessable',
      exitCode: 2,
    });
    this.line = opts.line;
  }
}

/** Input that is well-formed but too large to accept (413). */
export class TooLargeError extends AppError {
  constructor(message: string) {
    super(message, { status: 413, code: 'too-large', exitCode: 2 });
  }
}

/** A request body of a media type the endpoint does not take (415). */
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(message, { status: 415, code: 'unsupported-media-type', exitCode: 2 });
  }
}

/** Missing or wrong credentials (401); never used to say "exists but not yours". */
export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super(message, { status: 401, code: 'unauthorized', exitCode: 2 });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, { status: 404, code: 'not-found', exitCode: 4 });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, { status: 409, code: 'conflict', exitCode: 1 });
  }
}

/** GitHub (or another upstream) could not be reached or answered with an error. */
export class UpstreamError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { status: 502, code: 'upstream-unavailable', exitCode: 5, cause });
  }
}

/**
 * The OVAL feed behind an answer is older than the caller accepts (`check
 * --require-fresh-feed`), or there is none: the answer was given, but a gate must not pass
 * on it. Exit 7, apart from the gate's 3, so a pipeline can tell "vulnerable" from "cannot
 * tell".
 */
export class StaleFeedError extends AppError {
  constructor(message: string) {
    super(message, { status: 503, code: 'stale-feed', exitCode: 7 });
  }
}

/**
 * The bundle behind an answer is older than `check --max-bundle-age`, and a gate asked for
 * it (`--fail-on` without `--allow-stale-bundle`): exit 7, as a stale feed, since the gate
 * cannot see what was fixed since.
 */
export class StaleBundleError extends AppError {
  constructor(message: string) {
    super(message, { status: 503, code: 'stale-bundle', exitCode: 7 });
  }
}

/** The upstream's rate limit is spent until `resetAt`. */
export class RateLimitedError extends AppError {
  readonly resetAt: Date | undefined;
  constructor(message: string, resetAt?: Date) {
    super(message, { status: 503, code: 'rate-limited', exitCode: 5 });
    this.resetAt = resetAt;
  }
}

/**
 * The local store refused a write because its disk (or its size limit) is full. The write
 * was not acknowledged and nothing half-done remains; it works again once there is room.
 */
export class StorageFullError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { status: 507, code: 'storage-full', exitCode: 1, cause });
  }
}

/** Too many requests of one kind (429): `retryAfterSeconds` says when one will be taken again. */
export class TooManyRequestsError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message, { status: 429, code: 'too-many-requests', exitCode: 1 });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request that is well-formed but not allowed from where it came (403): a missing CSRF token. */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, { status: 403, code: 'forbidden', exitCode: 2 });
  }
}

/**
 * Azure would not let the product read what it was asked to: no token could be had (the
 * credential chain's reason is in the message), or Azure Resource Manager answered 401/403
 * (the message names the role and the scope it is needed on). Exit 6 in the CLI; 422 when a
 * subscriber asks the service to watch something its identity cannot read.
 */
export class AzureAccessError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { status: 422, code: 'azure-access', exitCode: 6, cause });
  }
}
