/**
 * Size limits for user-supplied inventories. They keep one request or CLI run bounded in
 * memory and time; the limits are checked before any per-line work starts.
 */
import { TooLargeError } from '../../errors.js';

export const MAX_INVENTORY_BYTES = 10 * 1024 * 1024;
export const MAX_INVENTORY_PACKAGES = 20_000;

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
