import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TeamsPost {
  path: string;
  body: string;
}

/**
 * A loopback stand-in for Teams Workflows webhooks: records every POST and answers 202, or
 * the statuses queued with `answerNext` (e.g. 410 for a deleted workflow).
 */
export async function startTeamsSink(): Promise<{
  url: string;
  posts: TeamsPost[];
  answerNext(...statuses: number[]): void;
  close(): Promise<void>;
}> {
  const posts: TeamsPost[] = [];
  const queued: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = queued.shift() ?? 202;
      if (status === 202)
        posts.push({ path: req.url ?? '/', body: Buffer.concat(chunks).toString() });
      res.writeHead(status).end(status === 202 ? '' : 'workflow not found');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    answerNext: (...statuses) => queued.push(...statuses),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
