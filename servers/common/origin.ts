/**
 * Origin check for WebSocket upgrades (and long-poll requests): a browser page on any site can open a
 * WebSocket to 127.0.0.1, so while `wsarena serve` runs any web page could make the server do heavy WORK.
 * A request that carries an Origin header (browsers always send one) is refused with 403 unless the origin
 * is loopback (http(s)://localhost, 127.0.0.0/8, [::1]) or listed in WSARENA_ALLOW_ORIGIN (comma-separated
 * origins, or `*` for any). Requests without Origin (the load generator, curl, non-browser clients) pass.
 * The Go and Java servers implement the same rule (docs/PROTOCOL.md "Origin").
 */
export const ALLOW_ORIGIN_ENV = 'WSARENA_ALLOW_ORIGIN';

export function originAllowed(origin: string | undefined | null, allow: string | undefined = process.env[ALLOW_ORIGIN_ENV]): boolean {
  if (origin === undefined || origin === null || origin === '') return true;
  const list = (allow ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.includes('*') || list.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The body of the 403 answer. */
export const ORIGIN_REFUSED = `origin not allowed; loopback origins are, others with ${ALLOW_ORIGIN_ENV}=<origin,…|*>\n`;
