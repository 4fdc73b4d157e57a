// The HTTP/1.1 driver (RFC 9110, RFC 9112) over http:// and https://: sensor fleets that POST or
// PUT telemetry, the embedded sink server, and webhook receivers that are HTTP servers.
import type { Driver } from '../driver.ts';
import { HTTP_CODES } from './codes.ts';
import { HttpDevice } from './device.ts';
import { startEmbeddedHttp } from './embedded.ts';
import { type ResolvedHttpOptions, resolveHttpOptions } from './options.ts';
import { type HttpStats, httpStats, httpTable } from './stats.ts';

export const httpDriver = {
  name: 'http',
  title: 'HTTP/1.1',
  schemes: ['http', 'https'],
  secureSchemes: ['https'],
  // RFC 9110 §4.2.1: 80.
  defaultPort: 80,
  transport: 'tcp',
  ackLabel: 'request → response',
  codes: HTTP_CODES,
  resolveOptions: resolveHttpOptions,
  createDevice: (init, events) => new HttpDevice(init, events),
  promise() {
    // A request is answered once or counted as failed; fleetbench never retries it (a POST is
    // not idempotent, RFC 9110 §9.2.2), so nothing arrives twice and a failure is a loss.
    return {
      label: 'HTTP request/response (acknowledged by the response, not retried)',
      short: 'HTTP request/response',
      noLoss: false,
      noDuplicates: true,
    };
  },
  startEmbedded: startEmbeddedHttp,
  isServer: (o) => o.listen !== undefined,
  deliversToServer: (o) => o.listen === undefined && (o.method === 'POST' || o.method === 'PUT'),
  // Webhook receivers get what is POSTed to them, whoever sends it (a fleet, a gateway).
  subscriptionsFor: () => [],
  // Devices listen on their own ports; senders address one of them (or a balancer spreads
  // requests over them): the group receives each message once.
  receiverMode: (o) => (o.listen ? 'group' : 'each'),
  block: httpStats,
  table: httpTable,
  // Header fields carry credentials (Authorization); TLS settings decide a handshake.
  connectionKey: (o) => [o.headers, o.tls],
  addressing: 'path',
  // '/telemetry/3' travels as 'telemetry/3', as the reference gateway publishes it.
  canonicalTopic: (path) => path.replace(/^\/+/, ''),
  checkGroup(check, path, group, options) {
    // HTTP receivers are servers senders POST to (webhook endpoints); an HTTP client cannot subscribe.
    if (group.kind === 'observer' && !options.listen)
      check.note(
        `${path}.protocol`,
        'HTTP observers are webhook endpoints: give listen: { port } (HTTP clients cannot subscribe)',
      );
    if (options.listen && group.kind !== 'observer')
      check.note(
        `${path}.protocol.listen`,
        'is for observers (webhook endpoints); fleets and commands send to a target',
      );
    if (options.listen) check.portRange(`${path}.protocol.listen.port`, options.listen.port, group.count);
  },
  // RFC 9110 §15: every request gets a response.
  acknowledges: () => true,
} satisfies Driver<ResolvedHttpOptions, HttpStats>;

export { HttpDevice } from './device.ts';
export { type HttpOptions, http, type ResolvedHttpOptions } from './options.ts';
