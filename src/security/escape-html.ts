/**
 * The one HTML escaper: every page, mail and card text that goes into HTML passes here.
 * Escaping the five characters that can end a text node or an attribute value (quoted with
 * either quote) is what keeps user text (subscription names, package names from an
 * inventory) from becoming markup.
 */
export const escapeHtml = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
