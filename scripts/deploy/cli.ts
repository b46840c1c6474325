/**
 * Runs the Azure CLI (az) and the Azure Developer CLI (azd) for the deploy hooks with every
 * stream captured: they answer some calls with secrets (a Key Vault value, host keys), so
 * nothing they print reaches the terminal unless the hook chooses to, and then only with the
 * secrets it knows of masked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliResult {
  ok: boolean;
  stdout: string;
  /** The first line of the program's error output that says something, secrets masked. */
  reason: string;
  /** All of its error output, secrets masked: to tell a transient failure from the rest. */
  stderr: string;
}

/** Thrown by a hook step; its message is the one line the hook prints before exiting 1. */
export class StepError extends Error {}

const PROGRAMS = {
  az: 'the Azure CLI (az)',
  azd: 'the Azure Developer CLI (azd)',
} as const;

export class Cli {
  private readonly secrets: string[] = [];

  constructor(
    private readonly program: keyof typeof PROGRAMS,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** From now on, `secret` is masked in every reason this runner reports. */
  hide(secret: string): void {
    if (secret !== '') this.secrets.push(secret);
  }

  mask(text: string): string {
    return this.secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
  }

  run(args: string[]): CliResult {
    // az is az.cmd on Windows, which Node spawns only through a shell (CVE-2024-27980); azd
    // goes the same way. No argument carries a secret (they go in files), so quoting plain
    // names is enough there.
    const windows = process.platform === 'win32';
    const result = spawnSync(
      windows ? `${this.program} ${args.map(quoteForCmd).join(' ')}` : this.program,
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
      const reason = missing
        ? `${PROGRAMS[this.program]} is not installed`
        : this.mask(result.error.message);
      return { ok: false, stdout: '', reason, stderr: reason };
    }
    return {
      ok: result.status === 0,
      stdout: result.stdout,
      reason: this.mask(
        firstReason(result.stderr) || `${this.program} exited with ${String(result.status)}`,
      ),
      stderr: this.mask(result.stderr),
    };
  }

  /** Runs the program and throws a StepError naming `what` when it fails. */
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
  const line = lines.find((l) => l.startsWith('ERROR')) ?? lines[0] ?? '';
  return (innermostError(line) ?? line).slice(0, 400);
}

/**
 * A failed ARM deployment is one line of JSON whose useful part, such as "Destination endpoint
 * not found", is nested under error.details, past where a line is cut: say the innermost.
 */
function innermostError(line: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(line.replace(/^ERROR:\s*/, ''));
  } catch {
    return undefined;
  }
  let deepest: { code?: unknown; message?: unknown } | undefined;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const entry = node as { code?: unknown; message?: unknown };
    if (typeof entry.message === 'string') deepest = entry;
    for (const child of Object.values(node)) visit(child);
  };
  visit(body);
  if (!deepest) return undefined;
  const code = typeof deepest.code === 'string' ? `(${deepest.code}) ` : '';
  return `ERROR: ${code}${String(deepest.message)}`;
}

function quoteForCmd(arg: string): string {
  if (/["%!^]/.test(arg)) throw new Error(`cannot pass ${arg} through cmd.exe`);
  return /[\s&|<>()]/.test(arg) ? `"${arg}"` : arg;
}

/**
 * Hands `use` the path of a file only this user can read, holding `content`, and deletes it
 * afterwards whatever happens: how a hook passes a secret to az or azd without putting it in
 * argv, where any process on the machine could read it.
 */
export function withSecretFile<T>(name: string, content: string, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'azl-deploy-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The az arguments that print the value of one Key Vault secret, and nothing else. */
export function keyVaultSecretArgs(vault: string, secret: string): string[] {
  return [
    'keyvault',
    'secret',
    'show',
    '--only-show-errors',
    '--vault-name',
    vault,
    '--name',
    secret,
    '--query',
    'value',
    '--output',
    'tsv',
  ];
}
