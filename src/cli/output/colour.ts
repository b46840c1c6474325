/**
 * Colour for the table, only where a person reads it: stdout is a terminal and NO_COLOR
 * (https://no-color.org) is unset or empty. Files, pipes and CI logs get plain text, so
 * `grep` and diffs keep working. Styles come from node:util's styleText.
 */
import { styleText } from 'node:util';
import type { Severity } from '../../domain/types.js';

export type Style = 'heading' | 'notice' | 'muted' | Severity;

export type Paint = (style: Style, text: string) => string;

export const plain: Paint = (_style, text) => text;

type Format = Parameters<typeof styleText>[0];

const STYLES: Record<Style, Format> = {
  heading: 'bold',
  notice: 'yellow',
  muted: 'dim',
  critical: ['bold', 'red'],
  high: 'red',
  medium: 'yellow',
  low: 'cyan',
  unknown: 'magenta',
};

/**
 * The decision is paintFor's: styleText's own stream check would also drop colour on a
 * terminal whenever CI is set (node's getColorDepth), which is not the rule documented.
 */
export const ansi: Paint = (style, text) =>
  text === '' ? text : styleText(STYLES[style], text, { validateStream: false });

export function paintFor(toTerminal: boolean, noColor: string | undefined): Paint {
  return toTerminal && !noColor ? ansi : plain;
}
