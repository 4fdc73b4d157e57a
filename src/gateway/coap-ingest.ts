// The gateway's CoAP side: POST/PUT bodies (Block1-reassembled) are offered to the outbound
// queues and answered 2.04 Changed when every queue took them, 5.03 Service Unavailable with
// Max-Age when one was full (RFC 7252 §5.9.3.4). It sits on the CoAP Endpoint, which already
// does duplicate detection with cached replies (§4.5), so a retransmitted CON is answered again
// and never forwarded twice. It is not a resource server (CoapServer): nothing is stored, and
// the answer depends on the queues.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import {
  decodeBlock,
  encodeUint,
  generate,
  MAX_DATAGRAM,
  option,
  type ParsedPacket,
  pathOf,
} from '../protocols/coap/codec.ts';
import { Endpoint, type Peer, peerKey } from '../protocols/coap/endpoint.ts';
import { COAP_DEFAULTS, derivedTimes } from '../protocols/coap/options.ts';
import type { CoapIngestStats } from './stats.ts';

/** What the outbound side said about a body. */
export type Admission = 'accepted' | 'full' | 'bad_path';

export interface CoapIngestInit {
  type: 'udp4' | 'udp6';
  /** Offers a complete body; 'accepted' once it is in every outbound queue. */
  offer(path: string, payload: Buffer): Admission;
  /** Max-Age of a 5.03 (seconds). */
  retryAfterSec: number;
  random?: () => number;
}

/** Messages remembered for duplicate detection (§4.5), beyond which the oldest are forgotten (counted). */
const DEDUP_CAPACITY = 500_000;
/** Block1 transfers in progress at once; beyond it the oldest is forgotten (counted). */
const MAX_BLOCK1_TRANSFERS = 1024;
/** Largest body reassembled from Block1 parts; larger gets 4.13 (RFC 7959 §2.9.3). */
const MAX_BODY_BYTES = 1 << 20;

/** Options the gateway acts on or may ignore (§5.4.1: the rest, when critical, get 4.02). */
const UNDERSTOOD = new Set([
  'Uri-Host',
  'Uri-Port',
  'Uri-Path',
  'Uri-Query',
  'Content-Format',
  'Accept',
  'Block1',
  'Block2',
  'Size1',
  'Size2',
  'ETag',
  'Observe',
  'Max-Age',
  'Location-Path',
  'Location-Query',
  'Hop-Limit',
  'No-Response',
]);
/** Critical options coap-packet names (odd numbers, §5.4.6) that the gateway does not implement. */
const CRITICAL_NAMES = new Set([
  'If-Match',
  'If-None-Match',
  'OSCORE',
  'Q-Block1',
  'Q-Block2',
  'OCF-Accept-Content-Format-Version',
  'OCF-Content-Format-Version',
]);

interface Transfer {
  parts: Buffer[];
  next: number;
  bytes: number;
}

export class CoapIngest {
  readonly endpoint: Endpoint;
  private readonly transfers = new Map<string, Transfer>();
  private readonly counts: Omit<CoapIngestStats, 'codes'> = { requests: 0, accepted: 0, unavailable: 0, rejected: 0 };
  private readonly codes: Record<string, number> = {};

  constructor(private readonly init: CoapIngestInit) {
    const transmission = COAP_DEFAULTS.transmission;
    this.endpoint = new Endpoint({
      type: init.type,
      transmission,
      random: init.random ?? Math.random,
      dedupLifetimeMs: derivedTimes(transmission).exchangeLifetimeMs,
      dedupCapacity: DEDUP_CAPACITY,
      events: {
        onMessage: (packet, peer) => this.request(packet, peer),
        onDuplicate: () => this.code('duplicate_suppressed'),
        onMalformed: () => this.code('malformed'),
        onDedupEvicted: () => this.code('dedup_evicted'),
        onSocketError: () => this.code('socket_error'),
      },
    });
  }

  async listen(port: number, host: string): Promise<Peer> {
    try {
      return await this.endpoint.bind(port, host);
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      throw new FleetbenchError(
        ErrorCodes.CONNECT_REFUSED,
        `cannot listen for CoAP on ${host}:${port} (${code}${code === 'EADDRINUSE' ? ': the port is taken; choose another coap.port' : ''})`,
        { reasonCode: code, cause: err },
      );
    }
  }

  stats(): CoapIngestStats {
    return { ...this.counts, codes: { ...this.codes } };
  }

  close(): Promise<void> {
    this.transfers.clear();
    return this.endpoint.close();
  }

  private code(name: string): void {
    this.codes[name] = (this.codes[name] ?? 0) + 1;
  }

  private request(packet: ParsedPacket, peer: Peer): void {
    if (!packet.code.startsWith('0.')) {
      // A response sent to a server: §4.2 rejects a CON that cannot be processed with RST.
      if (packet.confirmable) this.endpoint.reset(packet.messageId, peer);
      this.code('unexpected_response');
      return;
    }
    for (const o of packet.options) {
      // coap-packet names the options it knows and gives the rest as their number.
      const name = String(o.name);
      // §5.7.2: the gateway is not a forward proxy.
      if (name === 'Proxy-Uri' || name === 'Proxy-Scheme') {
        this.reject(packet, peer, '5.05', 'proxying not supported');
        return;
      }
      if (UNDERSTOOD.has(name)) continue;
      // §5.4.1: an unrecognized critical option (odd number, §5.4.6) in a request gets 4.02 Bad Option.
      const number = Number(name);
      if (CRITICAL_NAMES.has(name) || (Number.isInteger(number) && number % 2 === 1)) {
        this.reject(packet, peer, '4.02', `option ${name} not supported`);
        return;
      }
    }
    // §5.8: the gateway only takes writes; GET and DELETE have nothing to act on.
    if (packet.code !== '0.02' && packet.code !== '0.03') {
      this.reject(packet, peer, '4.05', 'POST or PUT only');
      return;
    }
    this.write(packet, peer);
  }

  private write(packet: ParsedPacket, peer: Peer): void {
    const path = pathOf(packet);
    let payload = packet.payload;
    const echo = option(packet, 'Block1');
    if (echo !== undefined) {
      const block = decodeBlock(echo);
      const key = `${peerKey(peer)}|${path}`;
      let t = this.transfers.get(key);
      if (block && block.num === 0) {
        this.transfers.delete(key);
        t = { parts: [], next: 0, bytes: 0 };
        this.transfers.set(key, t);
        if (this.transfers.size > MAX_BLOCK1_TRANSFERS) {
          this.transfers.delete(this.transfers.keys().next().value as string);
          this.code('block1_evicted');
        }
      }
      // RFC 7959 §2.9.2: a block out of sequence (or no transfer started) gets 4.08 Request Entity Incomplete.
      if (!block || !t || block.num !== t.next) {
        this.transfers.delete(key);
        this.reject(packet, peer, '4.08', 'block out of sequence');
        return;
      }
      t.parts.push(Buffer.from(packet.payload));
      t.next++;
      t.bytes += packet.payload.length;
      this.code('block1_received');
      if (t.bytes > MAX_BODY_BYTES) {
        this.transfers.delete(key);
        // RFC 7959 §2.9.3: 4.13 with Size1 telling the largest body accepted.
        this.respond(
          packet,
          peer,
          '4.13',
          [{ name: 'Size1', value: encodeUint(MAX_BODY_BYTES) }],
          'body too large',
          'rejected',
        );
        return;
      }
      // §2.3: every block but the last is answered 2.31 Continue, echoing Block1.
      if (block.more) {
        this.respond(packet, peer, '2.31', [{ name: 'Block1', value: echo }]);
        return;
      }
      this.transfers.delete(key);
      payload = Buffer.concat(t.parts);
    }
    this.counts.requests++;
    const verdict = this.init.offer(path, payload);
    const block1 = echo === undefined ? [] : [{ name: 'Block1', value: echo }];
    if (verdict === 'accepted') {
      this.respond(packet, peer, '2.04', block1, undefined, 'accepted');
      return;
    }
    if (verdict === 'bad_path') {
      this.respond(
        packet,
        peer,
        '4.00',
        block1,
        'path does not map to an MQTT topic name (MQTT §4.7: no wildcards, not empty)',
        'rejected',
      );
      return;
    }
    // §5.9.3.4: 5.03 with Max-Age telling when to try again.
    this.respond(
      packet,
      peer,
      '5.03',
      [...block1, { name: 'Max-Age', value: encodeUint(this.init.retryAfterSec) }],
      'queue full',
      'unavailable',
    );
  }

  private reject(packet: ParsedPacket, peer: Peer, code: string, diagnostic: string): void {
    this.respond(packet, peer, code, [], diagnostic, 'rejected');
  }

  /**
   * §5.2.1 piggybacked response in the ACK of a CON (same Message ID); §5.2.3 a NON request is
   * answered by a NON response. Both echo the token (§5.3.2); error responses carry a short
   * diagnostic payload (§5.5.2). Endpoint.reply remembers it for duplicates (§4.5).
   */
  private respond(
    packet: ParsedPacket,
    peer: Peer,
    code: string,
    options: { name: string; value: Buffer }[],
    diagnostic?: string,
    outcome?: 'accepted' | 'unavailable' | 'rejected',
  ): void {
    if (outcome) this.counts[outcome]++;
    this.code(`response.${code}`);
    const payload = diagnostic === undefined ? Buffer.alloc(0) : Buffer.from(diagnostic);
    const buf = generate(
      packet.confirmable
        ? { code, ack: true, messageId: packet.messageId, token: packet.token, options, payload }
        : {
            code,
            confirmable: false,
            messageId: this.endpoint.nextMessageId(peer),
            token: packet.token,
            options,
            payload,
          },
      MAX_DATAGRAM,
    );
    this.endpoint.reply(packet, peer, buf);
  }
}
