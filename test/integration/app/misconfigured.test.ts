/**
 * A bad setting is the operator's to fix and nobody else's business: anonymous callers get a
 * bare 500 (or health's 503), the log names the setting, and `npm start` refuses to start with
 * one line and exit 78.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAzureRuntime } from '../../../src/app/azure-runtime.js';
import { setApp } from '../../../src/app/current-runtime.js';
import { FUNCTIONS } from '../../../src/app/functions.js';
import { lazyFunctions } from '../../../src/app/lazy-functions.js';
import { HttpRequest, InvocationContext } from '../../../src/local/functions-classes.js';
import type { HostedFunction } from '../../../src/local/hosted-function.js';
import { ensureBuilt } from '../../support/built.js';

const saved = { ...process.env };

beforeAll(() => {
  process.env.SHARD_SIZE = 'abc';
  process.env.AzureWebJobsStorage = 'UseDevelopmentStorage=true';
  setApp(undefined);
  installAzureRuntime();
});
afterAll(() => {
  process.env = saved;
  setApp(undefined);
});

async function call(name: string, url: string, table: readonly HostedFunction[] = FUNCTIONS) {
  const fn = table.find((f) => f.name === name);
  if (fn?.trigger !== 'http') throw new Error(`no HTTP function ${name}`);
  const logged: string[] = [];
  const context = new InvocationContext({
    functionName: name,
    logHandler: (_level, ...args) => logged.push(args.map(String).join(' ')),
  });
  const res = await fn.options.handler(new HttpRequest({ method: 'GET', url }), context);
  const init = res as { status?: number; body?: string };
  return { status: init.status, body: String(init.body ?? ''), logged };
}

describe('with SHARD_SIZE=abc in the Functions app', () => {
  it('answers an anonymous API call with a bare 500 and logs the setting', async () => {
    const res = await call('getSubscription', 'http://localhost/api/subscriptions/abc');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ status: 500, detail: 'server misconfigured' });
    expect(res.body).not.toContain('SHARD_SIZE');
    expect(res.logged.join('\n')).toContain('SHARD_SIZE');
  });

  it('answers health with 503 and nothing more', async () => {
    const res = await call('health', 'http://localhost/api/health');
    expect(res.status).toBe(503);
    expect(res.body).not.toContain('SHARD_SIZE');
    expect(res.logged.join('\n')).toContain('SHARD_SIZE');
  });

  it('answers the same through the entry point, which imports the table on first use', async () => {
    const res = await call('health', 'http://localhost/api/health', lazyFunctions());
    expect(res.status).toBe(503);
    expect(res.logged.join('\n')).toContain('SHARD_SIZE');
  });
});

describe('npm start with bad settings', () => {
  it('exits 78 with one line naming every bad setting', () => {
    const run = spawnSync(process.execPath, [ensureBuilt('dist/src/app/start-local.js')], {
      env: { PATH: process.env.PATH ?? '', SHARD_SIZE: 'abc', PORT: '-1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^azl-notifier: invalid settings: .*SHARD_SIZE.*PORT|PORT.*SHARD_SIZE/,
    );
  });
});
