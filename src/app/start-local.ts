/**
 * `npm start`: the whole product on this machine, no cloud account needed.
 * Prints where everything listens; Ctrl-C stops it cleanly; a restart keeps all state.
 */
import { loadSettings } from '../settings.js';
import { AppError } from '../errors.js';
import { startLocalRuntime } from './local-runtime.js';
import { consoleLogAt } from './wiring.js';
import type { LocalRuntime } from './local-runtime.js';

async function main(): Promise<void> {
  const settings = loadSettings();
  const local = await startLocalRuntime(settings, consoleLogAt(settings.logging.LOG_LEVEL));
  printBanner(local, settings.webhooks.ALLOW_INSECURE_WEBHOOKS);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second signal: the operator will not wait for running sends. Nothing acknowledged
      // is lost by leaving now (SQLite syncs every write; Azurite saves when it sees us go),
      // and a send cut short is resolved at the next start.
      console.log(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    console.log(
      `\n${signal}: stopping after the running deliveries (pending events stay stored for the next start; ${signal} again to exit now)…`,
    );
    local.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`error while stopping: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

function describeStorage(storage: LocalRuntime['storage']): string {
  switch (storage.kind) {
    case 'sqlite':
      return `SQLite ${storage.file} (every acknowledged write is on disk)`;
    case 'azurite':
      return `Azurite ${storage.blobUrl} (data in ${storage.dataDir})`;
    default:
      return 'the configured account (AzureWebJobsStorage / STORAGE_ACCOUNT_URL)';
  }
}

function printBanner(local: LocalRuntime, insecure: boolean): void {
  const lines = [
    '',
    'azl-notifier is running locally',
    `  API          ${local.apiUrl}`,
    `  Health       ${local.apiUrl}/health`,
    `  Detect now   curl -X POST -H "x-functions-key: <admin key>" ${local.apiUrl}/ops/detect`,
    // The pages need a signed link (every message carries one); there is no index to browse.
    `  Pages        ${new URL('/s/', local.apiUrl).toString()}<id>, opened from the links in messages`,
  ];
  const { adminKey } = local;
  if (adminKey.source === 'setting') lines.push('  Admin key    from the ADMIN_KEY setting');
  else if (adminKey.source === 'stored') lines.push(`  Admin key    in ${adminKey.file}`);
  else
    lines.push(`  Admin key    ${adminKey.key}   (new; saved to ${adminKey.file}, shown only now)`);
  const { checkKey } = local;
  if (checkKey.source === 'setting') lines.push('  Check key    from the CHECK_KEY setting');
  else lines.push(`  Check key    in ${checkKey.file}   (for check --server: AZL_SERVER_KEY)`);
  lines.push(`  Storage      ${describeStorage(local.storage)}`);
  lines.push(
    local.events.kind === 'local-bus'
      ? `  Events       local bus (${local.events.restored} pending deliveries resumed)`
      : `  Events       Event Grid topic ${new URL(local.events.endpoint).host}`,
  );
  if (local.interrupted > 0) {
    lines.push(
      `  Interrupted  ${local.interrupted} sends cut short by the last stop: uncertain, not sent again (GET ${local.apiUrl}/ops/dead-letters)`,
    );
  }
  if (local.confirmationsResumed > 0) {
    lines.push(
      `  Resumed      ${local.confirmationsResumed} confirmation mails the last stop cut short, sent now`,
    );
  }
  for (const t of local.timers) {
    lines.push(
      `  Timer        ${t.name} "${t.schedule}" next ${t.next()?.toISOString() ?? 'never'}`,
    );
  }
  lines.push('  Stop         Ctrl-C', '');
  console.log(lines.join('\n'));
  if (insecure) {
    console.warn(
      [
        '!!! ALLOW_INSECURE_WEBHOOKS=true: plain-http webhooks to 127.0.0.1 are accepted.',
        '!!! For local development and tests only. Never set it in Azure.',
        '',
      ].join('\n'),
    );
  }
}

main().catch((err: unknown) => {
  // One clear line for anything a user can fix (bad settings, port in use); no stack.
  const message =
    err instanceof AppError ? err.message : err instanceof Error ? err.message : String(err);
  console.error(`azl-notifier: ${message}`);
  process.exit(err instanceof AppError ? err.exitCode : 1);
});
