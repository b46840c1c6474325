import { createHash } from 'node:crypto';

/**
 * The one stylesheet of every page. It sits beside the page shell that links it (html() in
 * ./http.ts, which the API's confirm and unsubscribe answers use too), so the API needs
 * nothing from src/web; the pages serve it as a route (src/web/pages.ts) so the
 * Content-Security-Policy can forbid inline styles outright (style-src 'self'). It is small
 * enough to need no build step: system fonts, CSS variables for the light and dark palettes
 * (prefers-color-scheme), and one column that reads on a phone: under 480 px a table becomes
 * one block per row, each value after its column's name (data-label), so nothing scrolls
 * sideways.
 */
export const STYLESHEET = `:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#16181d;--muted:#5b6270;--card:#fff;--line:#dde1e7;--accent:#2458c6;--accent-fg:#fff;--bad:#b42318;--bad-bg:#fdecea;--ok:#1a7f37;--ok-bg:#e7f5ec;--warn:#8a5a00;--warn-bg:#fff4d6;--code:#eef0f4}
@media (prefers-color-scheme:dark){:root{--bg:#111318;--fg:#e6e8ec;--muted:#9aa3b2;--card:#1a1d24;--line:#2d323c;--accent:#7aa2ff;--accent-fg:#0b1020;--bad:#ff8a80;--bad-bg:#3a1d1b;--ok:#6fdc8c;--ok-bg:#14301f;--warn:#f5c453;--warn-bg:#3a2e10;--code:#252a33}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:0 0 .5rem}
a{color:var(--accent)}
.crumbs{font-size:.9rem;color:var(--muted);margin:0}
.crumbs a{color:inherit}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 1rem}
.muted,small{color:var(--muted)}
.notice{border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem;background:var(--ok-bg);color:var(--ok)}
.notice.bad{background:var(--bad-bg);color:var(--bad)}
.badge{display:inline-block;border-radius:999px;padding:0 .55rem;font-size:.8rem;font-weight:600;background:var(--code)}
.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.bad{background:var(--bad-bg);color:var(--bad)}
.badge.warn{background:var(--warn-bg);color:var(--warn)}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted)}
td.num,th.num{text-align:right}
td.mono{white-space:nowrap}
td.cves{min-width:11rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain>li{padding:.5rem 0;border-bottom:1px solid var(--line)}
ul.plain>li:last-child{border-bottom:0}
details{margin:.5rem 0}
summary{cursor:pointer;color:var(--accent);font-weight:600}
form{margin:.5rem 0}
form.inline{display:inline-block;margin:.25rem .5rem .25rem 0}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
label.check{font-weight:400}
input[type=text],input[type=email],input[type=url],select,textarea{width:100%;max-width:36rem;font:inherit;padding:.4rem .5rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
textarea{min-height:8rem;font-family:ui-monospace,monospace;font-size:.85rem}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.4rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad);color:var(--card)}
.token{display:block;padding:.75rem;background:var(--code);border-radius:6px;user-select:all}
.notice p{margin:0}
.notice ul{margin:.4rem 0 0;padding-left:1.2rem}
.notice a{color:inherit}
.field-problem{margin:.25rem 0 0;color:var(--bad);font-weight:600}
[aria-invalid=true]{border-color:var(--bad);outline:1px solid var(--bad)}
.actions{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}
.actions form.inline{margin:0}
pre.command{margin:.5rem 0;padding:.75rem;background:var(--code);border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;user-select:all}
@media (max-width:480px){main{padding:.75rem}section{padding:.75rem}
.table table,.table thead,.table tbody,.table tr,.table td{display:block;width:100%}
.table thead{display:none}
.table tr{padding:.5rem 0;border-bottom:1px solid var(--line)}
.table td{border:0;padding:.1rem 0;text-align:left;white-space:normal;min-width:0;overflow-wrap:anywhere}
.table td[data-label]::before{content:attr(data-label);display:inline-block;min-width:6.5rem;margin-right:.5rem;color:var(--muted);font:600 .85rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}}
`;

/** Content-addressed, so a changed stylesheet is fetched anew and an unchanged one never. */
export const STYLESHEET_VERSION = createHash('sha256')
  .update(STYLESHEET)
  .digest('hex')
  .slice(0, 12);
export const STYLESHEET_ROUTE = 'assets/pages.css';
export const STYLESHEET_HREF = `/${STYLESHEET_ROUTE}?v=${STYLESHEET_VERSION}`;
