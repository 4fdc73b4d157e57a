// The CoAP driver (RFC 7252, 7641, 7959) over UDP: coap:// targets, the embedded sink server,
// virtual sensors that serve observable resources, and observers.
import type { Driver } from '../driver.ts';
import { COAP_CODES } from './codes.ts';
import { CoapDevice } from './device.ts';
import { startEmbeddedCoap } from './embedded.ts';
import { type ResolvedCoapOptions, resolveCoapOptions } from './options.ts';
import { type CoapStats, coapStats, coapTable } from './stats.ts';

export const coapDriver = {
  name: 'coap',
  title: 'CoAP',
  // coaps:// is CoAP over DTLS 1.2 with a pre-shared key (dtls.ts), for clients and observers.
  schemes: ['coap', 'coaps'],
  secureSchemes: ['coaps'],
  // RFC 7252 §6.1: the default port is 5683.
  defaultPort: 5683,
  transport: 'udp',
  ackLabel: 'request → response',
  codes: COAP_CODES,
  resolveOptions: resolveCoapOptions,
  createDevice: (init, events) => new CoapDevice(init, events),
  promise(from) {
    // Virtual sensors' notifications travel with serve.notify's type, requests with the fleet's.
    const type = from.serve ? from.serve.notify : from.type;
    // §4.2: a CON is retransmitted until acknowledged (or counted as a timeout) and the receiver
    // suppresses duplicates per endpoint (§4.5); a NON is sent once (§4.3).
    return type === 'CON'
      ? {
          label: 'CON (confirmable: retransmitted until acknowledged, duplicates suppressed)',
          short: 'CON',
          noLoss: true,
          noDuplicates: true,
        }
      : { label: 'NON (non-confirmable: sent once, best effort)', short: 'NON', noLoss: false, noDuplicates: true };
  },
  startEmbedded: startEmbeddedCoap,
  block: coapStats,
  table: coapTable,
  // Plain CoAP has no credentials; a coaps:// server accepts or refuses the PSK identity and key.
  connectionKey: (o) => o.dtls ?? null,
  addressing: 'path',
  // '/telemetry/3' travels as 'telemetry/3', as the reference gateway publishes it.
  canonicalTopic: (path) => path.replace(/^\/+/, ''),
  checkGroup(check, path, group, options) {
    if (options.serve) {
      if (group.kind !== 'fleet' || !group.sends)
        check.note(
          `${path}.protocol.serve`,
          'is for sensor fleets (with send and path): each device serves its resource',
        );
      if (!options.serve.auto) check.portRange(`${path}.protocol.serve.port`, options.serve.port, group.count);
      if (options.extraOptions.length > 0)
        check.note(`${path}.protocol.extraOptions`, 'is for requests: virtual sensors (serve) send notifications');
    }
    if (options.deregisterAfterMs !== undefined && group.kind !== 'observer')
      check.note(`${path}.protocol.deregisterAfter`, 'is for observers: it cancels their observations mid-run');
  },
  isServer: (o) => o.serve !== undefined,
  // Without serve.port the run finds a free block of ports, so concurrent runs never collide.
  freePorts: (o) => (o.serve?.auto ? { host: o.serve.host } : undefined),
  withPort: (o, base) => (o.serve ? { ...o, serve: { ...o.serve, port: base, auto: false } } : o),
  deliversToServer: (o) => !o.serve && (o.method === 'POST' || o.method === 'PUT'),
  subscriptionsFor({ name, count, protocol, options: raw, topic }) {
    // CoAP has no wildcards and no broker: an observer observes each sensor's own resource.
    if (protocol !== 'coap') return undefined;
    const options = raw as ResolvedCoapOptions;
    const paths: string[] = [];
    for (let id = 0; id < count; id++) {
      const path = topic.replaceAll('{fleet}', name).replaceAll('{id}', String(id));
      if (!options.serve) paths.push(path);
      else {
        const host = options.serve.host.includes(':') ? `[${options.serve.host}]` : options.serve.host;
        paths.push(`coap://${host}:${options.serve.port + id}${path}`);
      }
    }
    return paths;
  },
  // RFC 7252 §4.2: a CON is acknowledged (ACK or piggybacked response); a NON request may still get a response (§5.2.3).
  acknowledges: (o) => o.type === 'CON',
} satisfies Driver<ResolvedCoapOptions, CoapStats>;

export { CoapDevice } from './device.ts';
export { type CoapOptions, coap, type ResolvedCoapOptions } from './options.ts';
