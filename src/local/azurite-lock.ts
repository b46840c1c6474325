import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Azurite keeps its metadata in memory and saves it on shutdown. If our previous process
 * died, its Azurite child is still saving (it noticed our death through its IPC channel);
 * starting a second one on the same folder before that finishes would read stale data.
 * So a pid file names the running Azurite, and a new start waits for it to be gone.
 */
export async function waitForPreviousAzurite(dataDir: string, timeoutMs = 15_000): Promise<void> {
  const file = pidFile(dataDir);
  let pid: number;
  try {
    pid = Number((await readFile(file, 'utf8')).trim());
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new Error(
        `Azurite (pid ${pid}) from a previous run still holds ${dataDir}; stop it first`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await rm(file, { force: true });
}

export async function recordAzurite(dataDir: string, pid: number): Promise<void> {
  await writeFile(pidFile(dataDir), `${pid}\n`);
}

export async function forgetAzurite(dataDir: string): Promise<void> {
  await rm(pidFile(dataDir), { force: true });
}

const pidFile = (dataDir: string) => path.join(dataDir, 'azurite.pid');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
