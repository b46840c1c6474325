import { escapeHtml } from '../security/escape-html.js';
import { poolAdviceLine } from '../notify/pool-advice.js';
import type { WatchedPoolRow, WatchView } from '../services/watched-pools.js';

/**
 * The watched AKS clusters on a subscription's overview: per watch, each pool with its node
 * image, channel, what its region offers now and what it misses, with the last line every
 * other output ends a pool on (where the fixes are, and whether the region has them).
 */
export function clustersSection(views: readonly WatchView[]): string {
  if (views.length === 0) return '';
  const blocks = views.map((v) => {
    const what =
      v.target.kind === 'cluster'
        ? `AKS cluster <code>${escapeHtml(v.target.id)}</code>`
        : `every AKS cluster of Azure subscription <code>${escapeHtml(v.target.id)}</code>`;
    const problem = v.problem
      ? `<p class="notice bad" role="status">${escapeHtml(`Last read failed: ${v.problem}`)}</p>`
      : '';
    const rows = v.rows.map(row);
    const table =
      rows.length > 0
        ? `<div class="table"><table><thead><tr><th>Pool</th><th>Node image</th><th>Channel</th><th>Region offers</th><th>Misses${v.release ? ` as of ${escapeHtml(v.release)}` : ''}</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
        : '<p class="muted">No node pool.</p>';
    return `<h3>${escapeHtml(v.inventory)}</h3><p>${what}</p>${problem}${table}`;
  });
  return `<section id="clusters"><h2>Watched clusters</h2>${blocks.join('')}<p><small>Read from Azure Resource Manager on every detector run: an upgraded pool is followed, a new pool appears and a deleted one goes. When a region starts offering an image that fixes something a pool misses, each channel hears it once.</small></p></section>`;
}

function row(r: WatchedPoolRow): string {
  const { pool } = r;
  const misses = r.misses
    ? `${r.misses.affected} affected, ${r.misses.behind} behind (${r.misses.cves} CVEs${r.misses.urgent ? `, ${r.misses.urgent} critical or high` : ''})`
    : 'not checked';
  const notes = [...(r.advice ? [poolAdviceLine(r.advice)] : []), ...r.notes].map(
    (n) => `<br><small>${escapeHtml(n)}</small>`,
  );
  return `<tr><td><strong>${escapeHtml(r.label)}</strong><br><small>${escapeHtml(pool.cluster.location)}</small></td><td><code>${escapeHtml(pool.nodeImageVersion ?? '?')}</code></td><td>${escapeHtml(pool.cluster.nodeOSUpgradeChannel)}</td><td><code>${escapeHtml(pool.latestNodeImageVersion ?? '–')}</code></td><td>${escapeHtml(misses)}${notes.join('')}</td></tr>`;
}
