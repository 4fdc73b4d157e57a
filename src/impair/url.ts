// A target URL's address, and the same URL pointed at the proxy: scheme, credentials, path and
// query kept as written (TLS passes through the proxy as bytes).

const AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s;

/** The host and port a target URL connects to; a problem when the port is neither given nor the default. */
export function addressOf(url: string, defaultPort: number | undefined): { host: string; port: number } | string {
  const m = AUTHORITY.exec(url);
  if (!m) return `expected a URL with a host, got ${JSON.stringify(url)}`;
  const hostPort = (m[2] as string).slice((m[2] as string).lastIndexOf('@') + 1);
  const parts = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort);
  if (!parts) return `cannot read the host and port of ${JSON.stringify(hostPort)}`;
  const host = (parts[1] as string).replace(/^\[(.*)\]$/, '$1');
  const port = parts[2] === undefined ? defaultPort : Number(parts[2]);
  if (port === undefined) return 'give the port in the URL: an impaired target needs it to place the proxy in front';
  return { host, port };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, host: string, port: number): string {
  const m = AUTHORITY.exec(url);
  if (!m) return url;
  const authority = m[2] as string;
  const at = authority.lastIndexOf('@');
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `${m[1]}${authority.slice(0, at + 1)}${shownHost}:${port}${m[3]}`;
}
