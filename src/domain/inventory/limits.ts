/**
 * Size limits for user-supplied inventories. They keep one request or CLI run bounded in
 * memory and time; the limits are checked before any per-line work starts.
 */
import { TooLargeError } from '../../errors.js';

export const MAX_INVENTORY_BYTES = 10 * 1024 * 1024;
export const MAX_INVENTORY_PACKAGES = 20_000;

/**
 * What all the inventories of one subscription may hold together. Each inventory may take
 * 10 MB and 20,000 packages, and a subscription 20 inventories; without a total, one
 * subscriber could store 200 MB that every evaluation has to read. A node pool's `rpm -qa` is
 * 15-25 KB and 400-600 packages, and an image's CycloneDX SBOM a few hundred KB, so 20 MB and
 * 50,000 packages hold dozens of real ones (or two of the largest uploads allowed).
 */
export const MAX_SUBSCRIPTION_INVENTORY_BYTES = 20 * 1024 * 1024;
export const MAX_SUBSCRIPTION_PACKAGES = 50_000;

/** What some inventories take: UTF-8 bytes as stored, and packages as read. */
export interface InventoryUsage {
  bytes: number;
  packages: number;
}

/**
 * Refuses an upload that would take the subscription's inventories past their budget, with
 * the numbers: what the upload takes, what the others take already, and the limits.
 */
export function assertWithinSubscriptionBudget(
  others: InventoryUsage,
  upload: InventoryUsage,
): void {
  const bytes = others.bytes + upload.bytes;
  const packages = others.packages + upload.packages;
  if (bytes <= MAX_SUBSCRIPTION_INVENTORY_BYTES && packages <= MAX_SUBSCRIPTION_PACKAGES) return;
  throw new TooLargeError(
    `the subscription's inventories would hold ${usageText({ bytes, packages })} (this upload ${usageText(upload)}, the others ${usageText(others)}); a subscription holds at most ${usageText({ bytes: MAX_SUBSCRIPTION_INVENTORY_BYTES, packages: MAX_SUBSCRIPTION_PACKAGES })} in all its inventories`,
  );
}

const usageText = ({ bytes, packages }: InventoryUsage): string =>
  `${megabytes(bytes)} and ${packages.toLocaleString('en-US')} ${packages === 1 ? 'package' : 'packages'}`;

/** `20 MB`, `10.3 MB`, `0.02 MB`: exact when whole, two significant places below 1. */
function megabytes(bytes: number): string {
  const mb = bytes / 1024 / 1024;
  if (Number.isInteger(mb)) return `${mb} MB`;
  return `${mb >= 1 ? mb.toFixed(1) : mb.toPrecision(2)} MB`;
}

/**
 * How deep a JSON document may nest. CycloneDX and SPDX documents nest a few levels (the
 * fixtures' SBOMs: 5); nested components add one each. Checked before the document is
 * parsed, so a deep one is refused without being built (jsonDepthExceededAt).
 */
export const MAX_JSON_DEPTH = 64;

/** Refuses text over MAX_INVENTORY_BYTES of UTF-8 without encoding it when avoidable. */
export function assertSizeWithinLimit(text: string): void {
  // Every UTF-16 code unit is at least one UTF-8 byte, so a long string is over the limit
  // without measuring it.
  if (text.length > MAX_INVENTORY_BYTES || Buffer.byteLength(text, 'utf8') > MAX_INVENTORY_BYTES) {
    throw new TooLargeError(`inventory is larger than ${MAX_INVENTORY_BYTES / 1024 / 1024} MB`);
  }
}

/** Throws as soon as the package count passes the limit, so parsing stops early. */
export function assertPackageCountWithinLimit(count: number): void {
  if (count > MAX_INVENTORY_PACKAGES) {
    throw new TooLargeError(
      `inventory has more than ${MAX_INVENTORY_PACKAGES.toLocaleString('en-US')} packages`,
    );
  }
}
