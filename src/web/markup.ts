import { escapeHtml } from '../security/escape-html.js';

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
