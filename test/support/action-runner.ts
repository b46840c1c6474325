/**
 * Runs the `run:` steps of this repository's composite action (action.yml) the way a GitHub
 * runner does, for tests: each step in `bash --noprofile --norc -eo pipefail` (the runner's
 * bash), in GITHUB_WORKSPACE, with the variables a runner sets (GITHUB_ACTION_PATH,
 * RUNNER_TEMP, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_ENV, CI…) over the
 * machine's own environment, the
 * step's `env:` with `${{ inputs.* }}` and `${{ github.* }}` filled in, and the PATH entries
 * earlier steps added through GITHUB_PATH in front. Only the expressions action.yml uses are
 * understood; any other fails the test rather than being guessed.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './built.js';
import { finished, type CliRun } from './cli.js';

interface ActionStep {
  name: string;
  id?: string;
  shell: string;
  run: string;
  env?: Record<string, string>;
}

interface ActionFile {
  inputs: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; steps: ActionStep[] };
}

export const action = (): ActionFile =>
  parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionFile;

export interface Runner {
  workspace: string;
  temp: string;
  summary: string;
  /** Runs one step (by id, or by position) with these inputs; the job env applies to all. */
  step(which: string | number, inputs?: Record<string, string>): Promise<StepRun>;
  /** `name=value` lines the steps wrote to GITHUB_OUTPUT. */
  outputs(): Record<string, string>;
}

export type StepRun = CliRun;

/**
 * A runner hands its own environment to every step (CA certificates, proxies, HOME). This
 * machine's, less what npm and vitest set for the test process itself.
 */
function machineEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && !/^(npm_|VITEST|TEST$|NODE_OPTIONS$)/.test(e[0]),
    ),
  );
}

/**
 * `path`: folders a setup step of the job put on PATH before the action (actions/setup-node
 * does), e.g. one holding the repository's own CLI, for tests that skip the install step.
 */
export function runner(jobEnv: Record<string, string>, path: string[] = []): Runner {
  const base = mkdtempSync(join(tmpdir(), 'azl-runner-'));
  const dirs = { workspace: join(base, 'workspace'), temp: join(base, 'temp') };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  const files = {
    summary: join(base, 'step_summary.md'),
    output: join(base, 'output'),
    path: join(base, 'path'),
    env: join(base, 'env'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const manifest = action();
  return {
    workspace: dirs.workspace,
    temp: dirs.temp,
    summary: files.summary,
    outputs: () =>
      Object.fromEntries(
        readFileSync(files.output, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ),
    step(which, inputs = {}) {
      const steps = manifest.runs.steps;
      const step = typeof which === 'number' ? steps[which] : steps.find((s) => s.id === which);
      if (!step) throw new Error(`action.yml has no step ${which}`);
      if (step.shell !== 'bash') throw new Error(`step ${step.name}: shell ${step.shell}`);
      const values = new Map<string, string>([
        ...Object.entries(manifest.inputs).map(
          ([name, input]) => [`inputs.${name}`, input.default ?? ''] as [string, string],
        ),
        ...Object.entries(inputs).map(([name, v]) => [`inputs.${name}`, v] as [string, string]),
        ['github.action_path', ROOT],
        ['github.token', jobEnv.GITHUB_TOKEN ?? ''],
      ]);
      const expand = (text: string): string =>
        text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_m, name: string) => {
          const value = values.get(name);
          if (value === undefined) throw new Error(`action-runner: unknown expression ${name}`);
          // An input default can itself be an expression (`${{ github.token }}`).
          return expand(value);
        });
      const added = readFileSync(files.path, 'utf8').split('\n').filter(Boolean).reverse();
      const env: Record<string, string> = {
        ...machineEnv(),
        ...jobEnv,
        PATH: [...added, ...path, process.env.PATH ?? ''].join(':'),
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        RUNNER_OS: 'Linux',
        RUNNER_TEMP: dirs.temp,
        GITHUB_WORKSPACE: dirs.workspace,
        GITHUB_ACTION_PATH: ROOT,
        GITHUB_STEP_SUMMARY: files.summary,
        GITHUB_OUTPUT: files.output,
        GITHUB_PATH: files.path,
        GITHUB_ENV: files.env,
        ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v)])),
      };
      const script = join(base, `step-${Date.now()}.sh`);
      appendFileSync(script, step.run);
      return finished(
        spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
          cwd: dirs.workspace,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    },
  };
}
