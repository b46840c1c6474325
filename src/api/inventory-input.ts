import { inventoryLine } from '../domain/inventory/distro.js';
import {
  assertWithinSubscriptionBudget,
  MAX_INVENTORY_BYTES,
  parseInventory,
  type InventoryUsage,
} from '../domain/inventory/index.js';
import type { InventoryInfo, Subscription } from '../domain/subscription.js';
import { inventoryContentHash } from '../services/parsed-inventories.js';
import type { ApiStore } from './store.js';
import type { Inventory, InventoryFormat } from '../domain/types.js';
import { AppError, AzureAccessError, InputError, NotFoundError, TooLargeError } from '../errors.js';
import { parseAzureSubscriptionId, parseClusterId } from '../domain/aks-pool.js';
import {
  scopeOfWatch,
  serializeWatch,
  watchWithinScopes,
  type WatchTarget,
} from '../domain/aks-watch.js';
import { WATCH_LINE } from '../services/watch-clusters.js';
import type { ClusterWatchReader, NodeImageInventories } from './deps.js';

/**
 * Parses an uploaded inventory for validation, re-raising the parser's errors with the
 * request field they came from, so a bad line 7 of the second inventory reads as
 * `inventories.1.content: line 7: ...` and keeps its status (400, or 413 when too large).
 */
export function parseInventoryField(
  text: string,
  path: string,
  opts: { format?: InventoryFormat } = {},
): Inventory {
  try {
    return parseInventory(text, opts);
  } catch (err) {
    if (err instanceof TooLargeError) throw new TooLargeError(`${path}: ${err.message}`);
    if (err instanceof AppError) {
      throw new InputError(`${path}: ${err.message}`, {
        status: err.status,
        details: [{ path, message: err.message }],
      });
    }
    throw err;
  }
}

/**
 * Parses an inventory for a subscription and checks that it belongs to one of the
 * subscription's lines: a Fedora list, or a 2.0 node under a 3.0 subscription, would
 * otherwise be matched and reported as "nothing affected" forever. Such input is 422.
 */
export function checkInventoryFor(
  text: string,
  path: string,
  lines: readonly string[],
  uploadedAt: string,
): { inventory: Inventory; info: InventoryInfo } {
  return checkParsedFor(parseInventoryField(text, path), text, path, lines, uploadedAt);
}

/**
 * A node pool's image as an inventory: its release notes, read now and stored like an
 * upload, so matching needs nothing else. An image AgentBaker never published, or a 2.0
 * image, is 422 with what to do instead; GitHub being down is 502 and stores nothing.
 */
export async function checkNodeImageFor(
  nodeImages: NodeImageInventories,
  name: string,
  path: string,
  lines: readonly string[],
  uploadedAt: string,
): Promise<{ text: string; inventory: Inventory; info: InventoryInfo }> {
  let read: Awaited<ReturnType<NodeImageInventories['inventoryOf']>>;
  try {
    read = await nodeImages.inventoryOf(name);
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      throw new InputError(`${path}: ${err.message}`, {
        status: err instanceof InputError ? 400 : 422,
        details: [{ path, message: err.message }],
      });
    }
    throw err;
  }
  const checked = checkParsedFor(read.inventory, read.text, path, lines, uploadedAt);
  return {
    text: read.text,
    inventory: read.inventory,
    info: { ...checked.info, aksNodeImage: read.image.name },
  };
}

/**
 * A watch: one AKS cluster's node pools, or every cluster of an Azure subscription, read from
 * Azure Resource Manager now with the service's own identity, so a subscriber learns at once
 * that it lacks Reader (422, naming the scope and the grant) rather than never hearing a thing.
 * Its pools are judged on Azure Linux 3.0. ARM down is 502 and stores nothing.
 *
 * `granted` is where the caller may point that identity: the subscription's `azureScopes` for
 * a subscriber, or `'operator'` for a request made with the function key. A watch outside the
 * grant is refused (403) before Azure is asked, so a subscriber cannot even learn whether a
 * cluster outside it exists.
 */
export async function checkWatchFor(
  watches: ClusterWatchReader,
  input: { aksCluster: string } | { azureSubscription: string },
  path: string,
  lines: readonly string[],
  uploadedAt: string,
  granted: readonly string[] | 'operator',
): Promise<{ text: string; info: InventoryInfo; target: WatchTarget }> {
  const field = 'aksCluster' in input ? 'aksCluster' : 'azureSubscription';
  const at = `${path}.${field}`;
  const refuse = (message: string, status = 422): InputError =>
    new InputError(`${at}: ${message}`, { status, details: [{ path: at, message }] });
  let target: WatchTarget;
  try {
    target =
      'aksCluster' in input
        ? { kind: 'cluster', id: parseClusterId(input.aksCluster).id }
        : { kind: 'subscription', id: parseAzureSubscriptionId(input.azureSubscription) };
  } catch (err) {
    if (err instanceof AppError) throw refuse(err.message, 400);
    throw err;
  }
  if (!lines.includes(WATCH_LINE)) {
    throw refuse(
      `watched node pools are checked against Azure Linux ${WATCH_LINE}, but the subscription watches ${lines.join(', ')}`,
    );
  }
  if (granted !== 'operator' && !watchWithinScopes(target, granted)) {
    throw refuse(
      `${scopeOfWatch(target)} is outside the Azure scopes this subscription may watch (${granted.join(', ') || 'none granted'}); the operator grants them with azureScopes (PATCH /api/subscriptions/{id} with the function key)`,
      403,
    );
  }
  let pools;
  try {
    pools = await watches.read(target);
  } catch (err) {
    if (err instanceof AzureAccessError || err instanceof NotFoundError) {
      throw refuse(
        err instanceof AzureAccessError
          ? `the service's identity ${err.message} (docs/deploy.md: watching AKS clusters)`
          : err.message,
      );
    }
    throw err;
  }
  return {
    target,
    text: serializeWatch({ pools }),
    info: {
      format: target.kind === 'cluster' ? 'aks-cluster' : 'azure-subscription',
      packages: pools.length,
      line: WATCH_LINE,
      uploadedAt,
      ...(target.kind === 'cluster' ? { aksCluster: target.id } : { azureSubscription: target.id }),
    },
  };
}

function checkParsedFor(
  inventory: Inventory,
  text: string,
  path: string,
  lines: readonly string[],
  uploadedAt: string,
): { inventory: Inventory; info: InventoryInfo } {
  let line: string;
  try {
    line = inventoryLine(inventory);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    throw new InputError(`${path}: ${err.message}`, {
      status: 422,
      details: [{ path, message: err.message }],
    });
  }
  if (!lines.includes(line)) {
    const message = `the inventory is Azure Linux ${line}, but the subscription watches ${lines.join(', ')}`;
    throw new InputError(`${path}: ${message}`, { status: 422, details: [{ path, message }] });
  }
  return {
    inventory,
    info: {
      format: inventory.format,
      packages: inventory.packages.length,
      line,
      uploadedAt,
      bytes: Buffer.byteLength(text, 'utf8'),
      contentHash: inventoryContentHash(text),
    },
  };
}

/**
 * What the subscription's stored inventories take, but the one named `except` (which an
 * upload is about to replace). Inventories recorded before their size was kept are read.
 */
export async function storedUsage(
  store: Pick<ApiStore, 'getInventory'>,
  sub: Subscription,
  except?: string,
): Promise<InventoryUsage> {
  const usage = { bytes: 0, packages: 0 };
  for (const name of sub.inventoryNames) {
    if (name === except) continue;
    const info = sub.inventoryInfo?.[name];
    let bytes = info?.bytes;
    let packages = info?.packages;
    if (bytes === undefined || packages === undefined) {
      const text = (await store.getInventory(sub.id, name)) ?? '';
      bytes = Buffer.byteLength(text, 'utf8');
      packages ??= text ? parseInventory(text).packages.length : 0;
    }
    usage.bytes += bytes;
    usage.packages += packages;
  }
  return usage;
}

/** The budget check of one upload against what the subscription already holds. */
export function assertUploadWithinBudget(others: InventoryUsage, info: InventoryInfo): void {
  assertWithinSubscriptionBudget(others, { bytes: info.bytes ?? 0, packages: info.packages });
}

/**
 * Runs before schema validation so an oversized inventory inside a JSON body answers 413,
 * like an oversized upload, rather than a schema error.
 */
export function assertInventorySizes(body: unknown): void {
  const inventories = (body as { inventories?: unknown } | null)?.inventories;
  if (!Array.isArray(inventories)) return;
  inventories.forEach((inv: unknown, i) => {
    const content = (inv as { content?: unknown } | null)?.content;
    if (typeof content === 'string' && Buffer.byteLength(content, 'utf8') > MAX_INVENTORY_BYTES) {
      throw new TooLargeError(
        `inventories.${i}.content: inventory is larger than ${MAX_INVENTORY_BYTES / 1024 / 1024} MB`,
      );
    }
  });
}
