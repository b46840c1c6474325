/**
 * Building blocks for email HTML that survives real mail clients: tables for layout,
 * every style inline (Gmail drops <style> in some views), and a dark palette applied by
 * a prefers-color-scheme media query on top (clients that honour <style> get dark mode,
 * the rest keep a readable light message). No images, so nothing is blocked.
 */

import { escapeHtml } from '../../security/escape-html.js';

/** Light palette, inline; the dark one lives in DARK_MODE_CSS under the same class names. */
export const PALETTE = {
  page: '#f3f4f6',
  card: '#ffffff',
  text: '#111827',
  muted: '#4b5563',
  border: '#e5e7eb',
  link: '#0b57d0',
  code: '#f3f4f6',
} as const;

const DARK_MODE_CSS = `
:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media (max-width: 480px) {
  .x-outer { padding: 8px 4px !important; }
  .x-inner { padding: 14px !important; }
}
@media (prefers-color-scheme: dark) {
  .x-page { background-color: #0f172a !important; }
  .x-card { background-color: #1e293b !important; border-color: #334155 !important; }
  .x-text { color: #f1f5f9 !important; }
  .x-muted { color: #cbd5e1 !important; }
  .x-border { border-color: #334155 !important; }
  .x-link { color: #93c5fd !important; }
  .x-code { background-color: #0f172a !important; color: #e2e8f0 !important; }
  .x-button { background-color: #3b82f6 !important; color: #ffffff !important; }
  .x-button2 { background-color: #334155 !important; color: #e2e8f0 !important; }
}`;

export const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
export const MONO = "Consolas, 'SFMono-Regular', Menlo, monospace";

export function link(href: string, label: string): string {
  return `<a class="x-link" href="${escapeHtml(href)}" style="color:${PALETTE.link};text-decoration:underline;">${escapeHtml(label)}</a>`;
}

/** A "bulletproof" button: a padded link, which every client renders. */
export function button(href: string, label: string, primary = false): string {
  const bg = primary ? '#0b57d0' : '#e8eefc';
  const fg = primary ? '#ffffff' : '#0b57d0';
  return `<a class="${primary ? 'x-button' : 'x-button2'}" href="${escapeHtml(href)}" style="display:inline-block;margin:0 8px 8px 0;padding:8px 14px;border-radius:6px;background-color:${bg};color:${fg};font-family:${FONT};font-size:14px;font-weight:600;text-decoration:none;">${escapeHtml(label)}</a>`;
}

export function layout(opts: {
  title: string;
  preheader: string;
  content: string;
  footer: string;
}): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${escapeHtml(opts.title)}</title>
<style>${DARK_MODE_CSS}</style>
</head>
<body class="x-page" style="margin:0;padding:0;background-color:${PALETTE.page};">
<div style="display:none;max-height:0;overflow:hidden;">${escapeHtml(opts.preheader)}</div>
<table role="presentation" class="x-page" width="100%" cellpadding="0" cellspacing="0" style="background-color:${PALETTE.page};">
<tr><td class="x-outer" align="center" style="padding:24px 12px;">
<table role="presentation" class="x-card" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;background-color:${PALETTE.card};border:1px solid ${PALETTE.border};border-radius:8px;">
<tr><td class="x-text x-inner" style="padding:24px;font-family:${FONT};font-size:14px;line-height:1.5;color:${PALETTE.text};">
${opts.content}
</td></tr>
</table>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;">
<tr><td class="x-muted" style="padding:16px 24px;font-family:${FONT};font-size:12px;line-height:1.5;color:${PALETTE.muted};">
${opts.footer}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
