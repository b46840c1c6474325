import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { ConflictError, InputError, NotFoundError } from '../../errors.js';
import { authenticate, loadOwnedSubscription } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { UnsupportedMediaTypeError } from '../../errors.js';
import { json, mediaType, noContent, parseWith, readJson, readText } from '../http.js';
import {
  assertUploadWithinBudget,
  checkInventoryFor,
  checkNodeImageFor,
  checkWatchFor,
  storedUsage,
} from '../inventory-input.js';
import { assertJsonDepth } from '../../domain/inventory/json.js';
import type { InventoryInfo, Subscription } from '../../domain/subscription.js';
import { updateSubscription } from '../../store/update-subscription.js';
import type { Versioned } from '../store.js';
import { scopesWith } from '../../domain/aks-watch.js';
import {
  ClusterWatchBody,
  InventoryName,
  MAX_INVENTORIES,
  MAX_INVENTORY_BYTES,
  NodeImageInventoryBody,
} from '../schemas.js';

/** `PUT .../inventory` is the inventory named "default". */
export const DEFAULT_INVENTORY = 'default';

/** Line formats come as text; SBOMs as JSON (generic or their registered media types). */
const TEXT_TYPES = new Set(['text/plain']);
const JSON_TYPES = new Set([
  'application/json',
  'application/vnd.cyclonedx+json',
  'application/spdx+json',
]);
const SBOM_FORMATS: ReadonlySet<InventoryInfo['format']> = new Set(['cyclonedx', 'spdx']);

/**
 * PUT /api/subscriptions/{id}/inventories/{name}. The body is parsed in full before
 * anything is written. A new name is written first and then listed on the subscription
 * (If-Match); if the listing loses a race, the new blob is removed again. Replacing an
 * existing inventory is a single blob write.
 */
export async function putInventory(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const current = await loadOwnedSubscription(deps, principal, req.params.id);
  const type = mediaType(req);
  if (!TEXT_TYPES.has(type) && !JSON_TYPES.has(type)) {
    throw new UnsupportedMediaTypeError(
      `content-type must be text/plain (rpm -qa, rpm --qf, AKS release notes) or application/json (CycloneDX, SPDX), not ${type || 'absent'}`,
    );
  }
  const body = await readText(req, MAX_INVENTORY_BYTES, 'inventory');
  const { created, view } = await storeInventory(
    deps,
    current,
    req.params.name ?? DEFAULT_INVENTORY,
    body,
    JSON_TYPES.has(type) ? 'json' : 'text',
    principal.kind === 'admin' ? 'operator' : 'subscriber',
  );
  return json(created ? 201 : 200, view);
}

/** What an inventory upload answers: its name, detected format and package (or pool) count. */
export interface InventoryUpload {
  name: string;
  format: InventoryInfo['format'];
  packages: number;
  aksNodeImage?: string;
  aksCluster?: string;
  azureSubscription?: string;
}

/**
 * Stores one inventory upload, for the API's PUT and the pages' upload form alike. `kind` is
 * how it came: as text (the line formats) or as JSON (an SBOM, or a node image by name).
 * `by` is who sent it: a subscriber's watch must lie within the subscription's azureScopes;
 * the operator's (the function key) needs no grant and becomes one.
 */
export async function storeInventory(
  deps: ApiDeps,
  { value: sub, etag }: Versioned<Subscription>,
  rawName: string,
  body: string,
  kind: 'text' | 'json',
  by: 'operator' | 'subscriber',
): Promise<{ created: boolean; view: InventoryUpload }> {
  const name = inventoryName(rawName);
  const isJson = kind === 'json';
  if (isJson && !/^\s*[{[]/.test(body)) {
    throw new InputError(
      'body: an application/json inventory must be a CycloneDX or SPDX JSON document, {"aksNodeImage": "<nodeImageVersion>"}, {"aksCluster": "<resource id>"} or {"azureSubscription": "<id>"}',
    );
  }
  const uploadedAt = deps.now().toISOString();
  const named = isJson ? namedInJson(body) : undefined;
  const read =
    named?.kind === 'image'
      ? await checkNodeImageFor(
          deps.nodeImages,
          named.image,
          'body.aksNodeImage',
          sub.lines,
          uploadedAt,
        )
      : named?.kind === 'watch'
        ? await checkWatchFor(
            deps.watches,
            named.watch,
            'body',
            sub.lines,
            uploadedAt,
            by === 'operator' ? 'operator' : (sub.azureScopes ?? []),
          )
        : { text: body, ...checkInventoryFor(body, 'body', sub.lines, uploadedAt) };
  const { text, info } = read;
  const target = 'target' in read ? read.target : undefined;
  if (!named && isJson !== SBOM_FORMATS.has(info.format)) {
    throw new UnsupportedMediaTypeError(
      `a ${info.format} inventory must be sent as ${SBOM_FORMATS.has(info.format) ? 'application/json' : 'text/plain'}`,
    );
  }
  const existing = sub.inventoryNames.find((n) => n.toLowerCase() === name.toLowerCase());
  if (!existing && sub.inventoryNames.length >= MAX_INVENTORIES) {
    throw new InputError(`a subscription holds at most ${MAX_INVENTORIES} inventories`, {
      status: 422,
      details: [{ path: 'name', message: 'too many inventories' }],
    });
  }
  const storedName = existing ?? name;
  assertUploadWithinBudget(await storedUsage(deps.store, sub, existing), info);
  await deps.store.putInventory(sub.id, { name: storedName, content: text });
  const withInfo = (current: Subscription): Subscription => ({
    ...current,
    inventoryInfo: { ...current.inventoryInfo, [storedName]: info },
    ...(target ? { azureScopes: scopesWith(current.azureScopes ?? [], target) } : {}),
    updatedAt: uploadedAt,
  });
  if (existing) {
    // The content is replaced already; the info only dates it, so a lost race retries
    // rather than failing a request whose upload succeeded.
    await updateSubscription(deps.store, sub.id, (current) =>
      current.inventoryNames.includes(storedName) ? withInfo(current) : undefined,
    );
  } else {
    const listed = await deps.store
      .replaceSubscription(
        withInfo({ ...sub, inventoryNames: [...sub.inventoryNames, storedName] }),
        etag,
      )
      .catch(async (err: unknown) => {
        await deps.store.deleteInventory(sub.id, storedName).catch(() => undefined);
        throw err;
      });
    if (!listed) {
      await deps.store.deleteInventory(sub.id, storedName);
      throw new ConflictError('the subscription changed while this request ran; retry it');
    }
  }
  return {
    created: !existing,
    view: {
      name: storedName,
      format: info.format,
      packages: info.packages,
      ...(info.aksNodeImage ? { aksNodeImage: info.aksNodeImage } : {}),
      ...(info.aksCluster ? { aksCluster: info.aksCluster } : {}),
      ...(info.azureSubscription ? { azureSubscription: info.azureSubscription } : {}),
    },
  };
}

/**
 * PATCH /api/subscriptions/{id}/inventories/{name} `{"aksNodeImage": "<new version>"}`: a
 * node pool's inventory follows an upgrade by naming its new image.
 */
export async function patchInventory(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value: sub } = await loadOwnedSubscription(deps, principal, req.params.id);
  const wanted = (req.params.name ?? DEFAULT_INVENTORY).toLowerCase();
  const existing = sub.inventoryNames.find((n) => n.toLowerCase() === wanted);
  if (!existing) throw new NotFoundError('inventory not found');
  if (!sub.inventoryInfo?.[existing]?.aksNodeImage) {
    throw new InputError(
      `inventory ${existing} is a package list, not a node image: PUT its new packages instead`,
      { status: 422, details: [{ path: 'aksNodeImage', message: 'not a node-image inventory' }] },
    );
  }
  const { aksNodeImage } = parseWith(NodeImageInventoryBody, await readJson(req, 4096));
  const uploadedAt = deps.now().toISOString();
  const { text, inventory, info } = await checkNodeImageFor(
    deps.nodeImages,
    aksNodeImage,
    'aksNodeImage',
    sub.lines,
    uploadedAt,
  );
  assertUploadWithinBudget(await storedUsage(deps.store, sub, existing), info);
  await deps.store.putInventory(sub.id, { name: existing, content: text });
  await updateSubscription(deps.store, sub.id, (current) =>
    current.inventoryNames.includes(existing)
      ? {
          ...current,
          inventoryInfo: { ...current.inventoryInfo, [existing]: info },
          updatedAt: uploadedAt,
        }
      : undefined,
  );
  return json(200, {
    name: existing,
    format: inventory.format,
    packages: inventory.packages.length,
    aksNodeImage: info.aksNodeImage,
  });
}

/**
 * `{"aksNodeImage": "…"}` names a node image and `{"aksCluster": "…"}` or
 * `{"azureSubscription": "…"}` a watch; any other JSON body is an SBOM.
 */
function namedInJson(
  body: string,
):
  | { kind: 'image'; image: string }
  | { kind: 'watch'; watch: { aksCluster: string } | { azureSubscription: string } }
  | undefined {
  assertJsonDepth(body);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined; // the SBOM parser reports the syntax error with its line
  }
  if (doc === null || typeof doc !== 'object') return undefined;
  if ('aksNodeImage' in doc) {
    return { kind: 'image', image: parseWith(NodeImageInventoryBody, doc).aksNodeImage };
  }
  if ('aksCluster' in doc || 'azureSubscription' in doc) {
    return { kind: 'watch', watch: parseWith(ClusterWatchBody, doc) };
  }
  return undefined;
}

/** DELETE: unlist first (the commit point), then remove the blob; an orphan blob is inert. */
export async function deleteInventory(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const current = await loadOwnedSubscription(deps, principal, req.params.id);
  await removeInventory(deps, current, req.params.name ?? DEFAULT_INVENTORY);
  return noContent();
}

/** Unlists one inventory (If-Match), then removes its blob; for the API and the pages. */
export async function removeInventory(
  deps: ApiDeps,
  { value: sub, etag }: Versioned<Subscription>,
  name: string,
): Promise<void> {
  const wanted = name.toLowerCase();
  const existing = sub.inventoryNames.find((n) => n.toLowerCase() === wanted);
  if (!existing) throw new NotFoundError('inventory not found');
  const remaining = sub.inventoryNames.filter((n) => n !== existing);
  const info = Object.fromEntries(
    Object.entries(sub.inventoryInfo ?? {}).filter(([n]) => n !== existing),
  );
  const listed = await deps.store.replaceSubscription(
    {
      ...sub,
      inventoryNames: remaining,
      ...(sub.inventoryInfo ? { inventoryInfo: info } : {}),
      updatedAt: deps.now().toISOString(),
    },
    etag,
  );
  if (!listed) throw new ConflictError('the subscription changed while this request ran; retry it');
  await deps.store.deleteInventory(sub.id, existing);
}

function inventoryName(raw: string): string {
  const parsed = InventoryName.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'invalid inventory name';
    throw new InputError(`inventory name ${message}`, {
      details: [{ path: 'name', message }],
    });
  }
  return parsed.data;
}
