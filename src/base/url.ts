// Target URLs for people and for checks: the password masked before anything prints or stores a
// URL, and a target's scheme and port checked against what its protocol accepts.

/**
 * A URL split around its password, before any URL parsing: a password with an unencoded '/',
 * '?' or '#' makes `new URL` fail or read part of it as the host, so parsing first would leak it.
 * The credentials run from after '//' (or the start) to the last '@'; the user part has no ':'.
 */
function splitCredentials(url: string): { head: string; password: string; tail: string } | undefined {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)?.[0] ?? '';
  const m = /^([^:@/\s]*):(.*)@([^@]*)$/s.exec(url.slice(scheme.length));
  if (!m) return undefined;
  return { head: scheme + (m[1] as string), password: m[2] as string, tail: m[3] as string };
}

/** The URL with any password replaced by '***', safe to print and to store in results. */
export function maskUrl(url: string): string {
  const parts = splitCredentials(url);
  return parts && parts.password !== '' ? `${parts.head}:***@${parts.tail}` : url;
}

/** Checks a target URL's scheme, port and password spelling; returns a problem description or undefined. */
export function checkTargetUrl(url: string, schemes: readonly string[]): string | undefined {
  if (url === 'embedded' || url.startsWith('embedded:')) return undefined;
  const shown = JSON.stringify(maskUrl(url));
  const credentials = splitCredentials(url);
  if (credentials && /[/?#]/.test(credentials.password))
    return `the password in ${shown} holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)`;
  // The port is read from the text: URL parsing rejects 65536 with no detail and keeps 0, which
  // clients then replace by their default port (mqtt://host:0 ran against 1883).
  const authority = (credentials?.tail ?? url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '')).split(/[/?#]/)[0] ?? '';
  const port = /:(\d+)$/.exec(authority)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    return `port ${port} in ${shown}: expected a port from 1 to 65535`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `expected a URL like ${schemes[0]}://127.0.0.1, got ${shown}`;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme)) return `expected a ${schemes.map((s) => `${s}://`).join(', ')} URL, got ${shown}`;
  if (!parsed.hostname) return `expected a host in ${shown}`;
  return undefined;
}
