/**
 * Small JSON files the CLI keeps in its cache directory (the OVAL feed, AgentBaker
 * listings): read leniently, written atomically.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';

/** The parsed file, or undefined when it is absent or damaged (then it is fetched again). */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Write then rename, so a crash or a parallel run never leaves half a file behind. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  await writeFile(temp, JSON.stringify(value));
  await rename(temp, file);
}

/** A file name for a key that may hold slashes (`AKSAzureLinuxV3/gen2`) or dots. */
export function safeFileName(key: string): string {
  return key.replace(/[^\w.-]/g, '_');
}
