import type { NodeImageNotice } from '../domain/node-image.js';
import type { MatchResult, PackageUpdate } from '../domain/types.js';
import type { NotificationContext } from './context.js';

/**
 * Text that came from a user (a subscription name, inventory names, and the package names and
 * versions an uploaded inventory claims), made inert before any message carries it, whatever
 * the channel. A subscription can be renamed by anyone holding its token or a page session,
 * and an inventory says what it likes; the people reading a card or a mail trust the sender,
 * so nothing of it may become something the product did not make:
 * - markup is the renderers' business, each with one rule: HTML escapes (escapeHtml), and
 *   the Teams card puts such text in TextRuns, which no client reads as Markdown (card.ts);
 * - but clients also turn bare URLs into links, in plain-text and HTML mail and in Teams, so a
 *   URL's scheme separator is shown defanged (`https[:]//evil.example`), the convention of
 *   security reports: still readable, no longer a link;
 * - line breaks and other control characters become spaces, so a name cannot forge lines of
 *   its own in a plain-text mail.
 * Product text (notices, the advice with its links) never passes here: its links are meant.
 */
export function inertText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      .replace(/([a-z][a-z0-9+.-]*):(\/\/|\\\\)/gi, '$1[:]$2')
      .replace(/\bwww\./gi, 'www[.]')
  );
}

const inertUpdate = (u: PackageUpdate): PackageUpdate => ({
  ...u,
  package: inertText(u.package),
  installed: inertText(u.installed),
  fixed: inertText(u.fixed),
  sourcePackage: inertText(u.sourcePackage),
});

/** A match with every string an inventory supplied made inert. */
export function inertResult(result: MatchResult): MatchResult {
  return {
    ...result,
    affected: result.affected.map(inertUpdate),
    behind: result.behind.map(inertUpdate),
    untracked: result.untracked.map(inertText),
  };
}

/** A node-image notice with its pool (inventory) names and package fields made inert. */
export function inertNotice(notice: NodeImageNotice): NodeImageNotice {
  return {
    ...notice,
    pools: notice.pools.map((p) => ({ inventory: inertText(p.inventory), image: p.image })),
    fixes: notice.fixes.map(inertUpdate),
  };
}

/** A release notification's context with its user text made inert. */
export function inertContext(ctx: NotificationContext): NotificationContext {
  return {
    ...ctx,
    subscriptionName: inertText(ctx.subscriptionName),
    result: inertResult(ctx.result),
    ...(ctx.basis === undefined ? {} : { basis: inertText(ctx.basis) }),
  };
}
