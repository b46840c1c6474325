import { STATUS_CODES } from 'node:http';
import type { Channel, Subscription } from '../domain/subscription.js';
import { THRESHOLDS } from '../domain/severity.js';
import { AppError } from '../errors.js';
import type { ApiDeps } from '../api/deps.js';
import { escapeHtml } from '../security/escape-html.js';
import { loadReleases } from '../api/handlers/releases.js';
import { maskWebhookUrl } from '../api/views.js';
import { formatUtc } from '../notify/summary.js';
import { ledgerKeys } from '../services/ledger.js';
import type { LedgerEntry } from '../store/records.js';
import type { FormState } from './form-errors.js';
import { actionForm, button, cell, problemAt, when } from './markup.js';
import { clustersSection } from './clusters.js';
import type { WatchView } from '../services/watched-pools.js';

/** How many recent releases the overview evaluates: each costs one match of every inventory. */
const RECENT_RELEASES = 5;

export interface ReleaseRow {
  tag: string;
  publishedAt: string;
  /** Undefined when the release could not be evaluated just now (GitHub down). */
  counts?: { affected: number; behind: number; cves: number };
  error?: string;
}

/** The newest releases on the subscription's lines, each with what it changes for it. */
export async function recentReleases(deps: ApiDeps, sub: Subscription): Promise<ReleaseRow[]> {
  const records = (await loadReleases(deps.store))
    .filter((r) => r.changeSet !== null && sub.lines.includes(r.release.line))
    .slice(0, RECENT_RELEASES);
  const rows: ReleaseRow[] = [];
  for (const record of records) {
    const row: ReleaseRow = { tag: record.release.tag, publishedAt: record.release.publishedAt };
    try {
      const result = await deps.evaluate(sub, record.changeSet!);
      if (result) {
        row.counts = {
          affected: result.affected.length,
          behind: result.behind.length,
          cves: result.summary.cves,
        };
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      row.error = err.message;
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Each channel's latest delivery, from the ledger: the entries of the releases shown and the
 * channel's digest entry, newest first. Reading only those keeps the page to a few reads.
 */
export async function lastDeliveries(
  deps: ApiDeps,
  sub: Subscription,
  releases: ReleaseRow[],
): Promise<Map<string, LedgerEntry>> {
  const found = new Map<string, LedgerEntry>();
  for (const channel of sub.channels) {
    const keys = [
      ...releases.map((r) => ledgerKeys.delivery(r.tag, sub.id, channel.id)),
      ...(channel.type === 'email' ? [ledgerKeys.digest(sub.id, channel.id)] : []),
    ];
    const entries = await Promise.all(keys.map((k) => deps.store.getLedger(k)));
    const latest = entries
      .flatMap((e) => (e && e.value.state !== 'requested' ? [e.value] : []))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
    if (latest) found.set(channel.id, latest);
  }
  return found;
}

export interface OverviewView {
  sub: Subscription;
  csrf: string;
  releases: ReleaseRow[];
  /** The watched AKS clusters' pools (src/web/clusters.ts). */
  clusters?: WatchView[];
  deliveries: Map<string, LedgerEntry>;
  now: Date;
  /**
   * What the last action did. Shown inside the element it is about (`at`: a section or a
   * channel), which is where the browser lands after a form (`#at`), so it is in view there;
   * on top of the page without one.
   */
  notice?: Notice;
  /** A form that failed: shown again open, as it was typed, each problem beside its field. */
  form?: FormState;
}

export interface Notice {
  text: string;
  bad?: boolean;
  at?: string;
}

/** The notice, when it belongs at this element. */
const noticeAt = (v: OverviewView, at: string | undefined): string =>
  v.notice && v.notice.at === at
    ? `<p class="notice${v.notice.bad ? ' bad' : ''}" role="status">${escapeHtml(v.notice.text)}</p>`
    : '';

/**
 * A failed form's problems on top of the page, each linking to its field: the answer to a form
 * post opens at the top, and the form may be far down on a phone.
 */
function problemsSummary(form: FormState | undefined): string {
  if (!form) return '';
  const what = {
    channel: 'The channel was not added',
    inventory: 'The inventory was not saved',
    filters: 'The filters were not saved',
  }[form.form];
  const items = form.errors
    .map(
      (e) =>
        `<li><a href="#${escapeHtml(e.field)}">${escapeHtml(e.label)}</a>: ${escapeHtml(e.message)}</li>`,
    )
    .join('');
  return `<div class="notice bad" role="alert" id="problems"><p><strong>${what}.</strong> Nothing was changed; the form below keeps what you typed.</p><ul>${items}</ul></div>`;
}

export function renderOverview(v: OverviewView): string {
  const { sub } = v;
  return [
    noticeAt(v, undefined),
    problemsSummary(v.form),
    `<p class="muted">Azure Linux ${escapeHtml(sub.lines.join(', '))} · created ${escapeHtml(formatUtc(sub.createdAt))}</p>`,
    releasesSection(v),
    clustersSection(v.clusters ?? []),
    channelsSection(v),
    inventoriesSection(v),
    filtersSection(v),
    tokenSection(v),
  ].join('');
}

function releasesSection(v: OverviewView): string {
  const { sub, releases } = v;
  const base = `/s/${encodeURIComponent(sub.id)}/releases/`;
  const rows = releases.map((r) => {
    const counts = r.counts
      ? cell('Affected', String(r.counts.affected), 'num') +
        cell('Behind', String(r.counts.behind), 'num') +
        cell('CVEs', String(r.counts.cves), 'num')
      : `<td colspan="3" class="muted">${escapeHtml(r.error ?? 'not on these lines')}</td>`;
    return `<tr>${cell('Release', `<a href="${base}${encodeURIComponent(r.tag)}">${escapeHtml(r.tag)}</a>`)}${cell('Published', escapeHtml(formatUtc(r.publishedAt).replace(/, .*$/, '')))}${counts}</tr>`;
  });
  const table =
    rows.length > 0
      ? `<div class="table"><table><thead><tr><th>Release</th><th>Published</th><th class="num">Affected</th><th class="num">Behind</th><th class="num">CVEs</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : '<p class="muted">No release detected on these lines yet.</p>';
  return `<section id="releases"><h2>Latest releases</h2>${noticeAt(v, 'releases')}${table}<p><small>Affected: installed packages the release updates. Behind: still missing an update from an earlier release. After this subscription's filters.</small></p></section>`;
}

function channelsSection(v: OverviewView): string {
  const { sub, csrf } = v;
  const items = sub.channels.map(
    (c) =>
      `<li id="channel-${escapeHtml(c.id)}">${noticeAt(v, `channel-${c.id}`)}${channelItem(v, c)}</li>`,
  );
  const failed = v.form?.form === 'channel' ? v.form : undefined;
  const typed = (name: string, fallback = '') => escapeHtml(failed?.values[name] ?? fallback);
  const option = (name: string, value: string, label: string, fallback: string) =>
    `<option value="${value}"${(failed?.values[name] ?? fallback) === value ? ' selected' : ''}>${label}</option>`;
  const type = problemAt(failed, 'add-type');
  const address = problemAt(failed, 'add-address');
  const frequency = problemAt(failed, 'add-frequency');
  const webhook = problemAt(failed, 'add-webhook');
  return `<section id="channels"><h2>Channels</h2>${noticeAt(v, 'channels')}<ul class="plain">${items.join('')}</ul>
${actionForm(sub.id, 'test', csrf, button('Send a test to every channel', 'secondary'), 'inline')}
<details${when(failed !== undefined, ' open')}><summary>Add a channel</summary>${actionForm(
    sub.id,
    'channels',
    csrf,
    `<label for="add-type">Type</label><select id="add-type" name="type"${type.attrs}>${option('type', 'email', 'Email', 'email')}${option('type', 'teams', 'Teams (Workflows webhook)', 'email')}</select>${type.note}
<label for="add-address">Email address</label><input id="add-address" type="email" name="address" autocomplete="email" value="${typed('address')}"${address.attrs}>${address.note}
<label for="add-frequency">Email frequency</label><select id="add-frequency" name="frequency"${frequency.attrs}>${option('frequency', 'instant', 'Each release', 'instant')}${option('frequency', 'daily', 'Daily digest', 'instant')}${option('frequency', 'weekly', 'Weekly digest', 'instant')}</select>${frequency.note}
<label for="add-webhook">Teams webhook URL</label><input id="add-webhook" type="url" name="webhookUrl" placeholder="https://…" value="${typed('webhookUrl')}"${webhook.attrs}>${webhook.note}
<p><small>A new address gets one confirmation mail and nothing else until its link is opened. Webhook URLs must be https on an allowed host; they are never shown again.</small></p>${button('Add channel')}`,
  )}</details></section>`;
}

function channelItem({ sub, csrf, deliveries }: OverviewView, c: Channel): string {
  const title =
    c.type === 'teams'
      ? `<strong>Teams</strong> <code>${escapeHtml(maskWebhookUrl(c.webhookUrl))}</code>`
      : `<strong>Email</strong> ${escapeHtml(c.address)} <span class="muted">(${escapeHtml(frequencyLabel(c))})</span>`;
  const actions: string[] = [];
  const post = (path: string, label: string, style = 'secondary') =>
    actionForm(
      sub.id,
      `channels/${encodeURIComponent(c.id)}/${path}`,
      csrf,
      button(label, style),
      'inline',
    );
  if (c.type === 'email' && !c.confirmedAt && !c.unsubscribedAt) {
    actions.push(post('confirmation', 'Resend confirmation'));
  }
  if (c.type === 'email' && !c.unsubscribedAt) actions.push(post('unsubscribe', 'Unsubscribe'));
  // Asks on a page of its own before anything is removed (src/web/confirm-step.ts).
  if (sub.channels.length > 1) actions.push(post('remove', 'Remove…', 'danger'));
  return `${title} <span class="muted">${escapeHtml(c.id)}</span><br>${health(c, deliveries.get(c.id))}<div>${actions.join('')}</div>`;
}

function frequencyLabel(c: Extract<Channel, { type: 'email' }>): string {
  if (c.frequency === 'instant') return 'each release';
  const hour = `${String(c.hourUtc ?? 8).padStart(2, '0')}:00 UTC`;
  return c.frequency === 'daily' ? `daily at ${hour}` : `weekly at ${hour}`;
}

/** "Teams: last card …, 202 Accepted" or "unhealthy since … (410 …)", in words. */
function health(c: Channel, last: LedgerEntry | undefined): string {
  const badge = (cls: string, text: string) =>
    `<span class="badge ${cls}">${escapeHtml(text)}</span>`;
  const parts: string[] = [];
  if (c.unhealthy) {
    parts.push(badge('bad', 'Unhealthy'));
    parts.push(
      escapeHtml(
        `since ${formatUtc(c.unhealthy.since)} (${c.unhealthy.reason}); nothing is sent here until it is replaced`,
      ),
    );
  } else if (c.type === 'email' && c.unsubscribedAt) {
    parts.push(badge('warn', 'Unsubscribed'), escapeHtml(`since ${formatUtc(c.unsubscribedAt)}`));
  } else if (c.type === 'email' && !c.confirmedAt) {
    parts.push(badge('warn', 'Waiting for confirmation'));
    const mail = c.confirmationMail;
    if (mail?.state === 'failed') {
      parts.push(
        escapeHtml(
          `the confirmation mail could not be sent (${formatUtc(mail.at)}: ${mail.reason ?? 'refused'})`,
        ),
      );
    } else if (mail) {
      parts.push(escapeHtml(`confirmation mail sent ${formatUtc(mail.at)}`));
    }
  } else {
    parts.push(badge('ok', 'Healthy'));
  }
  parts.push(escapeHtml(lastDelivery(c, last)));
  return parts.join(' ');
}

function lastDelivery(c: Channel, last: LedgerEntry | undefined): string {
  const what = c.type === 'teams' ? 'card' : 'mail';
  if (!last) return `· no ${what} sent for the releases shown yet`;
  if (last.state === 'sent') {
    const answer = last.status
      ? `, ${last.status} ${STATUS_CODES[last.status] ?? ''}`.trimEnd()
      : '';
    return `· last ${what} ${formatUtc(last.sentAt ?? last.updatedAt)}${c.type === 'teams' ? answer : last.status ? `, accepted (${last.status})` : ''}`;
  }
  const reason = last.reason ? `: ${last.reason}` : '';
  return `· last ${what} ${last.state} ${formatUtc(last.updatedAt)}${reason}`;
}

function inventoriesSection(v: OverviewView): string {
  const { sub, csrf, now } = v;
  const rows = sub.inventoryNames.map((name) => {
    const info = sub.inventoryInfo?.[name];
    const watched = info?.aksCluster ?? info?.azureSubscription;
    const age = watched ? 'read every detector run' : info ? ageOf(info.uploadedAt, now) : '';
    const image = info?.aksNodeImage ?? watched;
    const small = image ? `<br><small>${escapeHtml(image)}</small>` : '';
    const count = info ? `${info.packages}${watched ? ' pools' : ''}` : '?';
    return `<tr>${cell('Inventory', `<strong>${escapeHtml(name)}</strong>${small}`)}${cell('Format', escapeHtml(info?.format ?? '?'))}${cell('Packages', count, 'num')}${cell('Uploaded', escapeHtml(age))}<td>${actionForm(sub.id, `inventories/${encodeURIComponent(name)}/remove`, csrf, button('Remove…', 'danger'), 'inline')}</td></tr>`;
  });
  const table =
    rows.length > 0
      ? `<div class="table"><table><thead><tr><th>Inventory</th><th>Format</th><th class="num">Packages</th><th>Uploaded</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : '<p class="muted">No inventory yet: nothing can match until there is one.</p>';
  const failed = v.form?.form === 'inventory' ? v.form : undefined;
  const name = problemAt(failed, 'inv-name');
  const file = problemAt(failed, 'inv-file');
  const text = problemAt(failed, 'inv-text');
  const form = `<details${when(rows.length === 0 || failed !== undefined, ' open')}><summary>Upload or replace an inventory</summary>${actionForm(
    sub.id,
    'inventories',
    csrf,
    `<label for="inv-name">Name (one per node pool or image; an existing name is replaced)</label><input id="inv-name" type="text" name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}" value="${escapeHtml(failed?.values.name ?? 'default')}"${name.attrs}>${name.note}
<label for="inv-file">File: <code>rpm -qa</code>, the rich <code>rpm --qf</code> query, AKS release notes, or a CycloneDX/SPDX SBOM</label><input id="inv-file" type="file" name="file"${file.attrs}>${file.note}
<label for="inv-text">…or paste it, or watch an AKS cluster: <code>{"aksCluster": "&lt;resource id&gt;"}</code></label><textarea id="inv-text" name="text" spellcheck="false"${text.attrs}>${escapeHtml(failed?.values.text ?? '')}</textarea>${text.note}
<p><small>At most 10 MB and 20,000 packages. A bad line is named with its number; nothing is stored then.</small></p>${button('Upload')}`,
    '',
    'multipart/form-data',
  )}</details>`;
  return `<section id="inventories"><h2>Inventories</h2>${noticeAt(v, 'inventories')}${table}${form}</section>`;
}

function ageOf(iso: string, now: Date): string {
  const days = Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000);
  if (Number.isNaN(days)) return '';
  return days <= 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
}

function filtersSection(v: OverviewView): string {
  const { sub, csrf } = v;
  const f = sub.filters;
  const summary = [
    `minimum: ${f.minSeverity ?? 'any'}`,
    f.include?.length ? `only ${f.include.join(', ')}` : '',
    f.exclude?.length ? `except ${f.exclude.join(', ')}` : '',
    f.onlyWithCves ? 'only updates that fix a CVE' : '',
  ].filter(Boolean);
  const failed = v.form?.form === 'filters' ? v.form : undefined;
  const chosen = failed?.values.minSeverity ?? f.minSeverity ?? 'any';
  const options = THRESHOLDS.map(
    (t) => `<option value="${t}"${chosen === t ? ' selected' : ''}>${t}</option>`,
  ).join('');
  const include = failed?.values.include ?? (f.include ?? []).join('\n');
  const exclude = failed?.values.exclude ?? (f.exclude ?? []).join('\n');
  const onlyWithCves = failed ? failed.values.onlyWithCves === 'true' : f.onlyWithCves === true;
  const min = problemAt(failed, 'f-min');
  const inc = problemAt(failed, 'f-include');
  const exc = problemAt(failed, 'f-exclude');
  return `<section id="filters"><h2>Filters</h2>${noticeAt(v, 'filters')}<p>${escapeHtml(summary.join(' · '))}</p><details${when(failed !== undefined, ' open')}><summary>Edit filters</summary>${actionForm(
    sub.id,
    'filters',
    csrf,
    `<label for="f-min">Minimum level (as <code>check --fail-on</code>: any, unknown = fixes any CVE, low … critical)</label><select id="f-min" name="minSeverity"${min.attrs}>${options}</select>${min.note}
<label for="f-include">Only these packages (globs, one per line or comma-separated; empty: all)</label><textarea id="f-include" name="include" spellcheck="false"${inc.attrs}>${escapeHtml(include)}</textarea>${inc.note}
<label for="f-exclude">Except these packages</label><textarea id="f-exclude" name="exclude" spellcheck="false"${exc.attrs}>${escapeHtml(exclude)}</textarea>${exc.note}
<label class="check"><input id="f-cves" type="checkbox" name="onlyWithCves" value="true"${when(onlyWithCves, ' checked')}> Only updates that fix a CVE</label>${button('Save filters')}`,
  )}</details></section>`;
}

function tokenSection(v: OverviewView): string {
  const { sub, csrf } = v;
  return `<section id="token"><h2>Token and subscription</h2>${noticeAt(v, 'token')}<p>The API takes this subscription's bearer token. Rotating it shows a new one once; the old token, every link in earlier messages and every open page session stop working.</p>
${actionForm(sub.id, 'token', csrf, button('Rotate the token', 'secondary'), 'inline')}
<details><summary>Delete the subscription</summary><p>Deletes the subscription, its channels and inventories. Nothing more is sent. The next page asks once more.</p>${actionForm(sub.id, 'delete', csrf, button('Delete the subscription…', 'danger'))}</details></section>`;
}
