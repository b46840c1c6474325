import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { Product, subscribeAll } from '../support/product.js';
import type { CreatedSubscription, DeadLetterView } from '../support/product.js';
import { startSmtpSink } from '../../scripts/stand-ins/mail-sink.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';
import { until } from '../support/wait.js';

/**
 * The chaos scenarios' shared machinery: the real product as a process group, a fake GitHub
 * that publishes the real May 2026 release on cue, a Teams sink and a real SMTP server. Every
 * count comes from the sinks (posts per webhook path, mails per recipient), never from the
 * product; the product is asked only for its dead letters, which are part of what is tested.
 *
 * CHAOS_SCALE=full (npm run bench:chaos) runs the faults at the sizes the issue measured
 * (webhooks answering after 10 s, a 30 s webhook timeout, SMTP down for 60 s, the bus's
 * default 10 s retry); the default scale keeps the same shape in seconds for CI.
 */
export const FULL = process.env.CHAOS_SCALE === 'full';
export const SUBSCRIPTIONS = 40;
export const TAG = '3.0.20260429-3.0';
export const ADMIN_KEY = 'chaos-admin-key-0123456789abcdefghij';

export const SCALE: {
  slowMs: number;
  hungTimeoutSeconds: number;
  smtpDownMs: number;
  quietMs: number;
  env: Record<string, string>;
} = FULL
  ? { slowMs: 10_000, hungTimeoutSeconds: 30, smtpDownMs: 60_000, quietMs: 3000, env: {} }
  : {
      slowMs: 3000,
      hungTimeoutSeconds: 2,
      smtpDownMs: 2000,
      quietMs: 1000,
      // Event Grid's schedule in fifths of a second: 0.2 s, 0.6 s, 1.2 s, 6 s, ...
      env: { LOCAL_BUS_RETRY_BASE_MS: '200', DELIVERY_LEASE_SECONDS: '60' },
    };

const GEN2 = path.join(
  import.meta.dirname,
  '..',
  'fixtures',
  'inventories',
  'aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt',
);

/** A Tally in which every one of the SUBSCRIPTIONS channels got its message exactly once. */
export const ALL_ONCE = {
  once: SUBSCRIPTIONS,
  lost: 0,
  duplicated: 0,
  uncertain: 0,
  uncertainArrived: 0,
};

export interface Tally {
  once: number;
  lost: number;
  duplicated: number;
  /** Dead-lettered as uncertain; `uncertainArrived` of them did reach the sink. */
  uncertain: number;
  uncertainArrived: number;
}

export interface ScenarioRow {
  scenario: string;
  subscriptions: number;
  teams: Tally;
  email: Tally;
  /** From the detection that published the release to the last message at a sink. */
  drainSeconds: number;
  notes: string;
}

export type Sinks = {
  teams: Awaited<ReturnType<typeof startTeamsSink>>;
  smtp: Awaited<ReturnType<typeof startSmtpSink>>;
};

/** One scenario: its own data dir, GitHub, sinks and product; `finish` releases them all. */
export class Scenario {
  product!: Product;
  subs: CreatedSubscription[] = [];
  detectedAt = 0;
  private readonly products: Product[] = [];

  private constructor(
    readonly name: string,
    readonly github: FakeGitHub,
    readonly sinks: Sinks,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
    private readonly inventory: string,
  ) {}

  static async create(name: string, env: Record<string, string> = {}): Promise<Scenario> {
    const [github, teams, smtp] = await Promise.all([
      FakeGitHub.start({ unpublishedTags: [TAG] }),
      startTeamsSink(),
      startSmtpSink(),
    ]);
    const dataDir = await mkdtemp(path.join(tmpdir(), `azl-chaos-${name}-`));
    const scenario = new Scenario(
      name,
      github,
      { teams, smtp },
      dataDir,
      { SMTP_URL: smtp.url, ...SCALE.env, ...env },
      await readFile(GEN2, 'utf8'),
    );
    await scenario.start();
    return scenario;
  }

  /** Starts (or restarts) the product on the scenario's data dir. */
  async start(): Promise<Product> {
    this.product = await Product.start({
      github: this.github,
      dataDir: this.dataDir,
      adminKey: ADMIN_KEY,
      env: this.env,
    });
    this.products.push(this.product);
    return this.product;
  }

  /** `count` subscriptions named after the scenario; then the first detection (the baseline). */
  async subscribe(count = SUBSCRIPTIONS): Promise<CreatedSubscription[]> {
    const from = this.subs.length;
    const created = await subscribeAll(
      this.product,
      Array.from({ length: count }, (_, k) => {
        const i = from + k;
        const n = String(i).padStart(3, '0');
        return { name: `pool-${n}`, webhookPath: `/hook/${n}`, email: `s${n}@chaos.example` };
      }),
      { teamsUrl: this.sinks.teams.url, inventory: this.inventory, mails: this.sinks.smtp.mails },
    );
    this.subs.push(...created);
    return created;
  }

  async baseline(): Promise<void> {
    const releases = await this.product.detect();
    if (releases.some((r) => r.status === 'published')) throw new Error('baseline notified');
  }

  /** Publishes the release at GitHub and runs detection now. */
  async release(): Promise<void> {
    this.github.publish(TAG);
    this.detectedAt = performance.now();
    const releases = await this.product.detect();
    if (!releases.some((r) => r.tag === TAG && r.status === 'published')) {
      throw new Error(`detection did not publish ${TAG}: ${JSON.stringify(releases)}`);
    }
  }

  teamsArrivals(sub: CreatedSubscription): number[] {
    return this.sinks.teams.arrivals
      .filter((a) => a.path === sub.webhookPath && a.body.includes(TAG))
      .map((a) => a.at);
  }

  releaseMails(sub: CreatedSubscription) {
    return this.sinks.smtp.mails.filter(
      (m) => m.to.includes(sub.email) && m.subject.startsWith(`[Azure Linux ${TAG}]`),
    );
  }

  /**
   * Waits until every channel got its message or was dead-lettered as uncertain, then a quiet
   * spell in which a late duplicate would show. Returns the seconds from detection to the
   * last release message that reached a sink.
   */
  async drain(subs = this.subs, timeoutMs = 120_000): Promise<number> {
    await until(
      async () => {
        const uncertain = new Set((await this.deadLetters('uncertain')).map((l) => l.key));
        return subs.every(
          (s) =>
            (this.teamsArrivals(s).length > 0 || uncertain.has(this.key(s, 'teams-1'))) &&
            (this.releaseMails(s).length > 0 || uncertain.has(this.key(s, 'email-1'))),
        );
      },
      () => `every message of ${this.name}:\n${this.product.output.slice(-3000)}`,
      timeoutMs,
    );
    await new Promise((r) => setTimeout(r, SCALE.quietMs));
    return this.drainSeconds(subs);
  }

  /**
   * Seconds from the detection to the last release message at a sink, over the Teams
   * channels of `teamsOf` and the email channels of `emailOf` (by default: every channel).
   */
  drainSeconds(teamsOf = this.subs, emailOf = teamsOf): number {
    const last = Math.max(
      this.detectedAt,
      ...teamsOf.flatMap((s) => this.teamsArrivals(s)),
      ...emailOf.flatMap((s) => this.releaseMails(s).map((m) => m.at)),
    );
    return Math.round((last - this.detectedAt) / 100) / 10;
  }

  key(sub: CreatedSubscription, channelId: string): string {
    return `delivery/${TAG}/${sub.id}/${channelId}`;
  }

  async deadLetters(outcome?: 'failed' | 'uncertain'): Promise<DeadLetterView[]> {
    const letters = await this.product.deadLetters();
    return outcome ? letters.filter((l) => l.outcome === outcome) : letters;
  }

  /** Once / lost / duplicated / uncertain per channel type, from the sinks and dead letters. */
  async tally(subs = this.subs): Promise<{ teams: Tally; email: Tally }> {
    const uncertain = new Set((await this.deadLetters('uncertain')).map((l) => l.key));
    const count = (arrived: (s: CreatedSubscription) => number, channelId: string): Tally => {
      const t: Tally = { once: 0, lost: 0, duplicated: 0, uncertain: 0, uncertainArrived: 0 };
      for (const s of subs) {
        const n = arrived(s);
        if (uncertain.has(this.key(s, channelId))) {
          t.uncertain++;
          if (n > 0) t.uncertainArrived++;
        }
        if (n === 1) t.once++;
        else if (n > 1) t.duplicated++;
        else if (!uncertain.has(this.key(s, channelId))) t.lost++;
      }
      return t;
    };
    return {
      teams: count((s) => this.teamsArrivals(s).length, 'teams-1'),
      email: count((s) => this.releaseMails(s).length, 'email-1'),
    };
  }

  /** Writes the scenario's row for the table (bench/CHAOS.md) the global teardown assembles. */
  async record(row: Omit<ScenarioRow, 'scenario' | 'subscriptions'>): Promise<void> {
    const dir = path.join(import.meta.dirname, '..', '..', 'test-results', 'chaos');
    await mkdir(dir, { recursive: true });
    const full: ScenarioRow = { scenario: this.name, subscriptions: this.subs.length, ...row };
    await writeFile(path.join(dir, `${this.name}.json`), JSON.stringify(full, null, 2));
  }

  async finish(): Promise<void> {
    for (const p of this.products) await p.stop();
    await Promise.all([this.github.close(), this.sinks.teams.close(), this.sinks.smtp.close()]);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
