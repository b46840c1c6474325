/**
 * Email addresses are personal data: logs and answers that are not the subscriber's own show
 * them masked. The first letter and the domain stay, which is what an operator needs to tell
 * a typo'd domain or a blocking provider apart; the mailbox itself does not.
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${address[0]}…${address.slice(at)}`;
}

const ADDRESS = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Masks every address in a text, such as an SMTP server's "550 <x@y>: no such user". */
export const redactAddresses = (text: string): string =>
  text.replace(ADDRESS, (address) => maskAddress(address));

/** A URL: its scheme and host stay, which says who answered; credentials, path and query go. */
const URL_ANYWHERE = /\b(https?):\/\/([^\s/"'<>?#@]*@)?([^\s/"'<>?#:]+)[^\s"'<>]*/gi;
/** `sig=…`, `token=…` and their kind, in a query string or alone: a webhook's signature. */
const SECRET_PARAM =
  /\b(sig|signature|code|key|token|access_token|refresh_token|client_secret|password|secret)=[^&\s"'<>,;]+/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const SUBSCRIPTION_TOKEN = /\bazln_[A-Za-z0-9_-]+/g;

/**
 * The one rule for text that leaves the product's hands into a log line, a stored reason or a
 * dead letter: addresses masked (maskAddress), URLs cut to scheme and host, secret-looking
 * parameters, bearer credentials and subscription tokens replaced. Every log sink and every
 * stored error body passes here (consoleLog and the invocation contexts, src/app/; and
 * sanitizeBody, src/notify/delivery.ts).
 */
export function redactSecrets(text: string): string {
  return redactAddresses(text)
    .replace(URL_ANYWHERE, '$1://$3/…(redacted)')
    .replace(SECRET_PARAM, '$1=…(redacted)')
    .replace(BEARER, '$1 …(redacted)')
    .replace(SUBSCRIPTION_TOKEN, 'azln_…(redacted)');
}
