// Where a device's requests go (the target URL as a base) and the exact bytes of one request:
// request line, header fields and body, written as one buffer (RFC 9112 §2.1, §3).
import type { ResolvedHttpOptions } from './options.ts';

export interface HttpTarget {
  secure: boolean;
  /** Host for the socket: brackets of an IPv6 literal removed. */
  host: string;
  port: number;
  /** The connections' source address (the scenario's sourceAddresses). */
  localAddress?: string;
  /** The Host header field (RFC 9112 §3.2): host[:port] as in the URL. */
  authority: string;
  /** The URL's path without a trailing '/', prefixed to every request path. */
  base: string;
}

export function parseTarget(url: string): HttpTarget {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const base = u.pathname.replace(/\/+$/, '');
  return {
    secure,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? (secure ? 443 : 80) : Number(u.port),
    authority: u.host,
    base,
  };
}

/** A request-target in origin-form (§3.2.1): characters not allowed there are percent-encoded. */
function originForm(base: string, path: string): string {
  return (base + path).replace(/[^\x21-\x7e]|[<>"{}|\\^`]/g, (c) => encodeURIComponent(c));
}

/** Builds every request of one device: the head is fixed but for the path and Content-Length. */
export function requestWriter(
  target: HttpTarget,
  options: ResolvedHttpOptions,
): (path: string, body: Buffer) => Buffer {
  let fixed = `Host: ${target.authority}\r\nContent-Type: ${options.contentType}\r\n`;
  for (const [name, value] of options.headers) fixed += `${name}: ${value}\r\n`;
  // §9.6: a client that will not reuse the connection says so; HTTP/1.1 persists by default (§9.3).
  if (!options.keepAlive) fixed += 'Connection: close\r\n';
  let last: { path: string; line: string } | undefined;
  return (path, body) => {
    if (last?.path !== path) last = { path, line: `${options.method} ${originForm(target.base, path)} HTTP/1.1\r\n` };
    // §6.2: Content-Length frames the body; a PUT/POST always carries one, even 0.
    const head = `${last.line}${fixed}Content-Length: ${body.length}\r\n\r\n`;
    // One buffer, written once: latin1 is one byte per character.
    const out = Buffer.allocUnsafe(head.length + body.length);
    out.write(head, 0, 'latin1');
    body.copy(out, head.length);
    return out;
  };
}
