import { escapeHtml } from '../security/escape-html.js';
import type { FormState } from './form-errors.js';

/** Small pieces of page markup, so every form is built one way (with its CSRF token). */

export const hidden = (name: string, value: string): string =>
  `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

export const button = (label: string, style = ''): string =>
  `<button type="submit"${style ? ` class="${style}"` : ''}>${escapeHtml(label)}</button>`;

export const when = (condition: boolean, text: string): string => (condition ? text : '');

/** A POST form to `/s/{id}/{path}`, carrying the session's CSRF token. */
export function actionForm(
  subscriptionId: string,
  path: string,
  csrf: string,
  inner: string,
  className = '',
  enctype = '',
): string {
  const action = `/s/${encodeURIComponent(subscriptionId)}/${path}`;
  return `<form${className ? ` class="${className}"` : ''} method="post" action="${escapeHtml(action)}"${enctype ? ` enctype="${enctype}"` : ''}>${hidden('csrf', csrf)}${inner}</form>`;
}

/** Where a page sits: the subscription's overview, then the page's own crumbs. */
export function crumbs(trail: { href: string; label: string }[]): string {
  if (trail.length === 0) return '';
  return `<p class="crumbs">${trail.map((t) => `<a href="${escapeHtml(t.href)}">${escapeHtml(t.label)}</a>`).join(' › ')}</p>`;
}

/**
 * A table cell with its column's name, which a phone shows in front of the value when the
 * table reflows to one block per row (the stylesheet's `data-label` rule under 480 px).
 */
export const cell = (label: string, html: string, className = ''): string =>
  `<td data-label="${escapeHtml(label)}"${className ? ` class="${className}"` : ''}>${html}</td>`;

/**
 * A failed form's problem with one field: the attributes that mark the field and tie it to
 * the message, and the message to put right after it. Empty when the field is fine.
 */
export function problemAt(
  form: FormState | undefined,
  id: string,
): { attrs: string; note: string } {
  const problems = form?.errors.filter((e) => e.field === id) ?? [];
  if (problems.length === 0) return { attrs: '', note: '' };
  const noteId = `${id}-problem`;
  return {
    attrs: ` aria-invalid="true" aria-describedby="${noteId}"`,
    note: `<p class="field-problem" id="${noteId}">${problems.map((p) => escapeHtml(p.message)).join(' ')}</p>`,
  };
}
