/**
 * Just enough MIME reading to look inside a captured message (the tests, and the demo's mail
 * catcher): top-level headers and the decoded text of each leaf part. (No mail parser is
 * installed.)
 */
export interface MimePart {
  headers: Map<string, string>;
  body: string;
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body: raw.slice(end + 4) };
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64')
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

export function parseMime(raw: string): { headers: Map<string, string>; parts: MimePart[] } {
  const top = splitHeaders(raw);
  const parts: MimePart[] = [];
  const walk = (headers: Map<string, string>, body: string) => {
    const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
    if (!boundary) {
      parts.push({ headers, body: decode(body, headers.get('content-transfer-encoding')) });
      return;
    }
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const child = splitHeaders(chunk.replace(/^\r\n/, ''));
      walk(child.headers, child.body.replace(/\r\n$/, ''));
    }
  };
  walk(top.headers, top.body);
  return { headers: top.headers, parts };
}

export const partOfType = (parts: MimePart[], type: string): MimePart | undefined =>
  parts.find((p) => (p.headers.get('content-type') ?? '').startsWith(type));
