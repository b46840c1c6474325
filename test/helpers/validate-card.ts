import { createRequire } from 'node:module';
import type * as AdaptiveCardsModule from 'adaptivecards';
import type { AdaptiveCard, CardElement } from '../../src/notify/teams/card.js';

/**
 * Test-only: the app sends the cards it builds without validating them at run time (Teams
 * checks on its side), so adaptivecards is a devDependency and stays out of the Function App
 * package (docs/deploy.md, "The deployment package").
 *
 * adaptivecards 3.0.6's `lib/` build uses extension-less ESM imports that Node cannot
 * resolve, so the package's main entry fails to load; its UMD bundle in `dist/` loads fine
 * through require. Parsing and validateProperties() never touch the DOM (only render()
 * does), so no `document` shim is needed here.
 */
const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCardsModule;

/** Webhook cards can only open URLs: Teams drops Action.Submit and friends silently. */
const ALLOWED_ACTIONS = new Set(['Action.OpenUrl']);

/**
 * Every reason the card would not render as intended in Teams Workflows, empty when fine.
 * Parses at version 1.4 so any 1.5+ element or property is reported, then runs the
 * library's own property validation, then checks what the library does not: the declared
 * version and the action types.
 */
export function validateCard(card: AdaptiveCard): string[] {
  const problems: string[] = [];
  if (card.version !== '1.4') problems.push(`card version is ${String(card.version)}, not 1.4`);

  const context = new AC.SerializationContext(AC.Versions.v1_4);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    problems.push(`parse: ${context.getEventAt(i).message}`);
  }
  for (const event of parsed.validateProperties().validationEvents) {
    problems.push(`validate: ${event.message}`);
  }
  for (const action of collectActions(card)) {
    if (!ALLOWED_ACTIONS.has(action.type)) problems.push(`action ${action.type} is not allowed`);
  }
  return problems;
}

function collectActions(value: unknown, found: CardElement[] = []): CardElement[] {
  if (Array.isArray(value)) {
    for (const v of value) collectActions(v, found);
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.type === 'string' && obj.type.startsWith('Action.')) {
      found.push(obj as CardElement);
    }
    for (const v of Object.values(obj)) collectActions(v, found);
  }
  return found;
}
