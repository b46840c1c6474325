import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Azurite's well-known development account: public and documented, not a secret. */
export const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(blobUrl: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobUrl}/${DEV_ACCOUNT};`;
}

export interface AzuriteOptions {
  /** Folder for Azurite's data; omit to keep everything in memory (tests). */
  location?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningAzurite {
  blobUrl: string;
  connectionString: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Azurite's blob service runs as a child process rather than in-process: it keeps its own
 * event loop (a busy handler cannot starve storage), and it survives our own crash long
 * enough to save its metadata. Azurite saves its database on SIGTERM but only every few
 * seconds otherwise, so the child turns the loss of its IPC channel (our death, even by
 * SIGKILL) into SIGTERM. The bootstrap is inline so no extra build output is needed.
 *
 * It runs in a process group of its own (detached), so a Ctrl-C or `kill -<pgid>` aimed at
 * the runtime's group never reaches it: it gets exactly one stop request, from stop() once
 * the runtime has drained, or from its own IPC watch when the runtime died. A signal in the
 * middle of its save would cut the save short.
 */
export async function startAzurite(opts: AzuriteOptions = {}): Promise<RunningAzurite> {
  const main = path.join(
    path.dirname(require.resolve('azurite/package.json')),
    'dist/src/blob/main.js',
  );
  const args = [
    '--blobHost',
    opts.host ?? '127.0.0.1',
    '--blobPort',
    String(opts.port ?? 0),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    ...(opts.location ? ['--location', opts.location] : ['--inMemoryPersistence']),
  ];
  const bootstrap = [
    "process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));",
    `process.argv.splice(1, 0, ${JSON.stringify(main)});`,
    `require(${JSON.stringify(main)});`,
  ].join('\n');
  const child = fork('-e', [bootstrap, '--', ...args], {
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  const blobUrl = await waitForListening(child);
  return {
    blobUrl,
    connectionString: azuriteConnectionString(blobUrl),
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Dropping the IPC channel is the same path a crash of ours takes (see above), and
      // with the channel gone nothing keeps Azurite's event loop alive after it closes.
      // That is the one stop request; only an Azurite that is still there a minute later,
      // hung rather than saving, is killed.
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function waitForListening(child: ChildProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`Azurite did not start: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /successfully listens on (http:\/\/[\w.:[\]-]+:\d+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null) =>
      fail(new Error(`Azurite exited (${code}) before listening: ${output.trim()}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', onExit);
  });
}
