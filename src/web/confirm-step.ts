import type { HttpResponseInit } from '@azure/functions';
import { html } from '../api/http.js';
import type { Subscription } from '../domain/subscription.js';
import type { Form } from './forms.js';
import { actionForm, button, crumbs, hidden } from './markup.js';
import { subscriptionPath } from './session.js';

/**
 * Removing a channel or an inventory, and deleting the subscription, ask first on a page of
 * their own. The overview's button posts its form without `confirm`, which answers with that
 * page; the page's button posts the same form again with `confirm=yes`, and only that acts.
 * Both are form posts with the session's CSRF token, checked each time (postPage), so no
 * script is needed and no link, prefetch or scanner can remove anything.
 */
export const isConfirmed = (form: Form): boolean => form.text('confirm') === 'yes';

export function confirmPage(opts: {
  sub: Subscription;
  csrf: string;
  /** The form's path under /s/{id}/, posted again with confirm=yes. */
  path: string;
  title: string;
  /** The page's text, already HTML (escaped by the caller). */
  body: string;
  /** The label of the button that acts. */
  action: string;
  /** The overview's section to go back to when the answer is no. */
  back: string;
}): HttpResponseInit {
  const { sub, csrf } = opts;
  const overview = subscriptionPath(sub.id);
  return html(
    200,
    opts.title,
    `${opts.body}<div class="actions">${actionForm(
      sub.id,
      opts.path,
      csrf,
      `${hidden('confirm', 'yes')}${button(opts.action, 'danger')}`,
      'inline',
    )}<a class="button secondary" href="${overview}#${opts.back}">No, keep it</a></div>`,
    { lead: crumbs([{ href: overview, label: sub.name }]) },
  );
}
