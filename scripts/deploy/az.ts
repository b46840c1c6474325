/**
 * Runs the Azure CLI for the deploy hooks with every stream captured: az answers some calls with
 * secrets (a Key Vault value, host keys), so nothing it prints reaches the terminal unless the
 * hook chooses to, and then only with the secrets it knows of masked.
 */
import { spawnSync } from 'node:child_process';

export interface AzResult {
  ok: boolean;
  stdout: string;
  /** The first line of az's error output that says something, secrets masked. */
  reason: string;
}

/** Thrown by a hook step; its message is the one line the hook prints before exiting 1. */
export class StepError extends Error {}

export class Az {
  private readonly secrets: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** From now on, `secret` is masked in every reason this runner reports. */
  hide(secret: string): void {
    if (secret !== '') this.secrets.push(secret);
  }

  mask(text: string): string {
    return this.secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
  }

  run(args: string[]): AzResult {
    // az is az.cmd on Windows, which Node spawns only through a shell (CVE-2024-27980). No
    // argument carries a secret (they go in files), so quoting plain names is enough there.
    const windows = process.platform === 'win32';
    const result = spawnSync(
      windows ? `az ${args.map(quoteForCmd).join(' ')}` : 'az',
      windows ? [] : args,
      {
        env: this.env,
        encoding: 'utf8',
        shell: windows,
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (result.error) {
      const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
      return {
        ok: false,
        stdout: '',
        reason: missing ? 'the Azure CLI (az) is not installed' : this.mask(result.error.message),
      };
    }
    return {
      ok: result.status === 0,
      stdout: result.stdout,
      reason: this.mask(firstReason(result.stderr) || `az exited with ${String(result.status)}`),
    };
  }

  /** Runs az and throws a StepError naming `what` when it fails. */
  must(what: string, args: string[]): string {
    const result = this.run(args);
    if (!result.ok) throw new StepError(`${what}: ${result.reason}`);
    return result.stdout;
  }
}

/** az prints warnings before its error; the ERROR line is the one worth showing. */
function firstReason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return (lines.find((line) => line.startsWith('ERROR')) ?? lines[0] ?? '').slice(0, 400);
}

function quoteForCmd(arg: string): string {
  if (/["%!^]/.test(arg)) throw new Error(`cannot pass ${arg} to az through cmd.exe`);
  return /[\s&|<>()]/.test(arg) ? `"${arg}"` : arg;
}
