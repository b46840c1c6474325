import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { InputError } from '../errors.js';
import { parseInventory } from '../domain/inventory/index.js';
import { matchInventory } from '../domain/match.js';
import type { MatchResult } from '../domain/types.js';
import { loadReleaseChanges } from '../services/release-changes.js';
import { progressReporter } from './progress.js';
import { readStdin } from './stdin.js';

/** The options every command that answers "what does this release change here?" takes. */
export interface MatchOptions {
  inventory: string;
  release: string;
  line: string;
  cache: boolean;
}

export function withMatchOptions(command: Command): Command {
  return command
    .requiredOption(
      '-i, --inventory <file|->',
      'package list: rpm -qa output, the rich --qf query, AKS release notes, or a CycloneDX/SPDX JSON SBOM; "-" reads stdin',
    )
    .option('-r, --release <tag|latest>', 'release tag, e.g. 3.0.20260429-3.0', 'latest')
    .option('-l, --line <line>', 'release line used by "latest"', '3.0')
    .option('--no-cache', 'do not reuse spec files downloaded by earlier runs');
}

/** Reads and parses the inventory first, so a bad file fails before any GitHub request. */
export async function matchFromOptions(options: MatchOptions): Promise<MatchResult> {
  const config = loadConfig();
  const inventory = parseInventory(await readInventory(options.inventory));
  const { changeSet, lookup } = await loadReleaseChanges(config, {
    tag: options.release,
    line: options.line,
    useCache: options.cache,
    onProgress: progressReporter(process.stderr),
  });
  return matchInventory(inventory, changeSet, lookup);
}

async function readInventory(path: string): Promise<string> {
  if (path === '-') return readStdin(process.stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable');
    throw new InputError(`cannot read inventory ${path}: ${reason}`);
  }
}
