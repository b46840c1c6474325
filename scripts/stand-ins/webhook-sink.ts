import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TeamsPost {
  path: string;
  body: string;
}

/** A POST that reached the sink in full, whatever the sink answered (or not). */
export interface TeamsArrival extends TeamsPost {
  at: number;
}

/**
 * How the sink answers POSTs to paths that start with a prefix:
 * - `status`/`body`: the answer (a legacy connector answers 200 with an error text);
 * - `delayMs`: answers that late (a slow webhook);
 * - `hang`: never answers (the connection stays open until the sink closes).
 */
export interface SinkBehaviour {
  status?: number;
  body?: string;
  delayMs?: number;
  hang?: boolean;
}

/**
 * A loopback stand-in for Teams Workflows webhooks: records every POST and answers 202, the
 * statuses queued with `answerNext` (e.g. 410 for a deleted workflow), or what `behave` set
 * for a path. `posts` are the POSTs it accepted (answered 202); `arrivals` every POST whose
 * body it received, which is what Teams would have seen, answer or not. Port 0 takes a free
 * one.
 */
export async function startTeamsSink(port = 0): Promise<{
  url: string;
  posts: TeamsPost[];
  arrivals: TeamsArrival[];
  answerNext(...statuses: number[]): void;
  behave(pathPrefix: string, behaviour: SinkBehaviour): void;
  /** Called as each POST arrives, before it is answered (a chaos test kills the product here). */
  onArrival(listener: (arrival: TeamsArrival, total: number) => void): void;
  /** Arrivals per path: the count the chaos tests compare with what they expect. */
  countByPath(): Map<string, number>;
  close(): Promise<void>;
}> {
  const posts: TeamsPost[] = [];
  const arrivals: TeamsArrival[] = [];
  const queued: number[] = [];
  const behaviours: [string, SinkBehaviour][] = [];
  const listeners: ((arrival: TeamsArrival, total: number) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = Buffer.concat(chunks).toString();
      const arrival = { path, body, at: performance.now() };
      arrivals.push(arrival);
      for (const listener of listeners) listener(arrival, arrivals.length);
      const behaviour = behaviours.find(([prefix]) => path.startsWith(prefix))?.[1] ?? {};
      if (behaviour.hang) return;
      const status = queued.shift() ?? behaviour.status ?? 202;
      const answer = () => {
        if (status === 202) posts.push({ path, body });
        if (!res.writable) return;
        res.writeHead(status).end(behaviour.body ?? (status === 202 ? '' : 'workflow not found'));
      };
      if (behaviour.delayMs) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    posts,
    arrivals,
    answerNext: (...statuses) => queued.push(...statuses),
    behave: (prefix, behaviour) => behaviours.unshift([prefix, behaviour]),
    onArrival: (listener) => listeners.push(listener),
    countByPath() {
      const counts = new Map<string, number>();
      for (const a of arrivals) counts.set(a.path, (counts.get(a.path) ?? 0) + 1);
      return counts;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
