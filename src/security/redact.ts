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
