// coap:// URIs (RFC 7252 §6): resolving a target to an address and port, and telling a
// resource on the device's own target from one on another server.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import type { Peer } from './endpoint.ts';

/** §6.1 coap (and §6.2 coaps) URI → address and port (default 5683, 5684); host names are resolved once. */
export async function resolvePeer(url: string): Promise<Peer> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FleetbenchError(ErrorCodes.TARGET_INVALID, `${JSON.stringify(url)} is not a coap:// URL`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  // §6.2: coaps:// defaults to 5684.
  const port = u.port === '' ? (u.protocol === 'coaps:' ? 5684 : 5683) : Number(u.port);
  if (isIP(host)) return { address: host, port };
  try {
    const { address } = await lookup(host);
    return { address, port };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    throw new FleetbenchError(ErrorCodes.CONNECT_REFUSED, `cannot resolve ${host} for ${url} (${code})`, {
      reasonCode: code,
      cause: err,
    });
  }
}

/** 'coap://h:p/path' → that server; '/path' → the device's target. */
export function splitResource(resource: string, targetUrl: string): { url: string; path: string } {
  if (!resource.startsWith('coap://'))
    return { url: targetUrl, path: resource.startsWith('/') ? resource : `/${resource}` };
  const u = new URL(resource);
  return { url: `coap://${u.host}`, path: `${u.pathname}${u.search}` };
}
