/** Locale-independent string order, so output is the same on every machine (and cheap). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
