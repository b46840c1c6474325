import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptionsWithStdioTuple } from 'node:child_process';
import { ensureBuilt, ROOT } from './built.js';
import type { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { localRuntimeSettings } from './local-settings.js';
import type { CapturedMail } from '../../scripts/stand-ins/mail-sink.js';
import { exited, until } from './wait.js';

/**
 * `npm start` as a real process, for tests that stop it the way operators do: it runs as the
 * leader of its own process group, so `signalGroup` reaches it and everything it started, as
 * Ctrl-C in a terminal or `kill -9 -<pgid>` would. Everything is observed from outside:
 * its HTTP API, its output, and the sinks the test owns.
 */
export class Product {
  private constructor(
    readonly child: ChildProcess,
    readonly api: string,
    readonly adminKey: string,
    private readonly log: { text: string },
  ) {}

  static async start(opts: {
    github: FakeGitHub;
    dataDir: string;
    adminKey: string;
    env?: Record<string, string>;
  }): Promise<Product> {
    const env = {
      PATH: process.env.PATH,
      ...localRuntimeSettings({
        github: opts.github,
        adminKey: opts.adminKey,
        dataDir: opts.dataDir,
      }),
      ...opts.env,
    };
    // AZL_PRODUCT_COMMAND="npm start" runs it exactly as the README says (npm, its shell and
    // node in one group, as in a terminal); by default the built entry point runs directly.
    const command = process.env.AZL_PRODUCT_COMMAND;
    const options: SpawnOptionsWithStdioTuple<'ignore', 'pipe', 'pipe'> = {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    };
    const child = command
      ? spawn(command, { ...options, shell: true, cwd: ROOT })
      : spawn(process.execPath, [ensureBuilt('dist/src/app/start-local.js')], options);
    const log = { text: '' };
    child.stdout.on('data', (c: Buffer) => (log.text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log.text += c.toString()));
    let api: string | undefined;
    await until(
      () => {
        if (child.exitCode !== null) throw new Error(`the product exited at start:\n${log.text}`);
        api = /API\s+(http:\/\/127\.0\.0\.1:\d+\/api)/.exec(log.text)?.[1];
        return api !== undefined && log.text.includes('Stop         Ctrl-C');
      },
      () => `the product to start:\n${log.text}`,
    );
    return new Product(child, api!, opts.adminKey, log);
  }

  get output(): string {
    return this.log.text;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** To the whole process group, as a terminal's Ctrl-C or `kill -<signal> -<pgid>`. */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Stops it (SIGKILL to the group unless told otherwise) and waits until it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.signalGroup(signal);
    await this.exited();
  }

  /**
   * Resolves when every process of the group is gone. The leader can go first: under
   * `npm start` the shell dies of the Ctrl-C at once while node still finishes its sends.
   */
  async exited(): Promise<void> {
    await exited(this.child);
    await until(() => !this.groupAlive(), 'the whole process group to exit', 60_000);
  }

  private groupAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  call(route: string, init: { method?: string; body?: unknown; token?: string } = {}) {
    return fetch(`${this.api}/${route}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        'content-type': 'application/json',
        ...(init.token
          ? { authorization: `Bearer ${init.token}` }
          : { 'x-functions-key': this.adminKey }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  }

  async detect(): Promise<{ tag: string; status: string }[]> {
    const res = await this.call('ops/detect', { method: 'POST' });
    if (res.status !== 200) throw new Error(`detect answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { releases: { tag: string; status: string }[] }).releases;
  }

  async deadLetters(): Promise<DeadLetterView[]> {
    const res = await this.call('ops/dead-letters');
    if (res.status !== 200) throw new Error(`dead letters answered ${res.status}`);
    return ((await res.json()) as { deadLetters: DeadLetterView[] }).deadLetters;
  }
}

export interface DeadLetterView {
  kind: 'delivery' | 'event';
  key: string;
  outcome: 'failed' | 'uncertain';
  reason: string;
}

export interface NewSubscription {
  name: string;
  webhookPath: string;
  email: string;
}

export interface CreatedSubscription extends NewSubscription {
  id: string;
  token: string;
}

/**
 * Creates subscriptions through the API, one Teams webhook and one instant email each, and
 * confirms every address through the link in its confirmation mail (the mails are taken out
 * of `mails`, so what remains there is what the pipeline sent).
 */
export async function subscribeAll(
  product: Product,
  subs: NewSubscription[],
  opts: { teamsUrl: string; inventory: string; mails: CapturedMail[] },
): Promise<CreatedSubscription[]> {
  const create = async (sub: NewSubscription): Promise<CreatedSubscription> => {
    const res = await product.call('subscriptions', {
      body: {
        name: sub.name,
        lines: ['3.0'],
        channels: [
          { type: 'teams', webhookUrl: `${opts.teamsUrl}${sub.webhookPath}` },
          { type: 'email', address: sub.email, frequency: 'instant' },
        ],
        inventories: [{ name: 'system', content: opts.inventory }],
      },
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    const { id, token } = (await res.json()) as { id: string; token: string };
    return { ...sub, id, token };
  };
  // A few at a time, as several teams would: each request waits for its confirmation mail.
  const created: CreatedSubscription[] = [];
  for (let i = 0; i < subs.length; i += 10) {
    created.push(...(await Promise.all(subs.slice(i, i + 10).map(create))));
  }
  const addresses = new Set(subs.map((s) => s.email));
  await until(
    () => opts.mails.filter((m) => m.to.some((to) => addresses.has(to))).length >= subs.length,
    'the confirmation mails',
  );
  for (let i = opts.mails.length - 1; i >= 0; i--) {
    const mail = opts.mails[i]!;
    if (!mail.to.some((to) => addresses.has(to))) continue;
    const link = /https?:\/\/\S+\/api\/confirm\?token=[\w.-]+/.exec(mail.text)?.[0];
    if (!link) throw new Error(`no confirmation link in mail to ${mail.to.join()}`);
    // The link opens a page; its button's POST confirms.
    const res = await fetch(`${product.api}/confirm${new URL(link).search}`, { method: 'POST' });
    if (res.status !== 200) throw new Error(`confirm answered ${res.status}`);
    opts.mails.splice(i, 1);
  }
  return created;
}
