// A CoAP resource server on one endpoint: the embedded server (a sink that stores what is
// POSTed or PUT and lets it be observed) and every virtual sensor that serves its own
// resource. Requests are answered with piggybacked responses to CON (§5.2.1) and NON
// responses to NON (§5.2.3); Observe (RFC 7641), Block1/Block2 (RFC 7959) and
// /.well-known/core (RFC 6690) are served here.
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import type { CodeKey } from '../../metrics/codes.ts';
import { decodeBlock, decodeUint, generate, MAX_DATAGRAM, option, type ParsedPacket, pathOf } from './codec.ts';
import { COAP_CODES } from './codes.ts';
import { optionRefusal } from './critical.ts';
import { Endpoint, type Peer, peerKey } from './endpoint.ts';
import { derivedTimes, type TransmissionParameters } from './options.ts';
import { block2Of, buildResponse, type ResponseExtra, responseOptions } from './response.ts';

const C = COAP_CODES.keys;

export interface ServerEvents {
  /** A POST or PUT body arrived (after Block1 reassembly), first copy only. */
  onBody?(path: string, payload: Buffer, receivedUs: number): void;
  /** Counted events, from COAP_CODES: coap.duplicate_suppressed, observe.registered, response 2.04 … */
  onCode(code: CodeKey): void;
  onSocketError?(err: Error): void;
}

export interface ServerInit {
  /** POST/PUT create and update resources, DELETE removes them (the embedded server); otherwise read-only. */
  writable: boolean;
  transmission: TransmissionParameters;
  /** Message type of notifications (RFC 7641 §4.5). */
  notify: 'CON' | 'NON';
  maxAgeSec: number;
  /** Largest block served when the client does not ask for a smaller one. */
  blockSize: number;
  random: () => number;
  dedupCapacity: number;
  events: ServerEvents;
}

interface Observation {
  peer: Peer;
  token: Buffer;
  /** The block size the observer asked for in its registration (RFC 7959 §2.6), or the server's. */
  blockSize: number;
}

interface Resource {
  payload: Buffer;
  contentFormat: number;
  /** RFC 7641 §3.4: the Observe sequence number of the latest notification (24 bits). */
  seq: number;
  /** RFC 7252 §5.10.6: changes with every representation, so block-wise readers can tell them apart. */
  etag: Buffer;
  observers: Map<string, Observation>;
}

interface Block1Transfer {
  parts: Buffer[];
  next: number;
  size: number;
}

/**
 * RFC 7967 §2.1: whether the request's No-Response option declines a response of `code`'s class
 * (bit 2 for 2.xx, 8 for 4.xx, 16 for 5.xx; an empty value, 0, declines nothing).
 */
function declined(packet: ParsedPacket, code: string): boolean {
  const value = option(packet, 'No-Response');
  if (value === undefined) return false;
  const bit = code[0] === '2' ? 2 : code[0] === '4' ? 8 : code[0] === '5' ? 16 : 0;
  return (decodeUint(value) & bit) !== 0;
}

/** RFC 6690 §4: the server's listing of its resources. */
const WELL_KNOWN = '/.well-known/core';

/** How many NON notifications are remembered so that an RST answering one cancels its observation. */
const NON_NOTIFICATION_MEMORY = 4096;

export class CoapServer {
  readonly endpoint: Endpoint;
  private readonly resources = new Map<string, Resource>();
  private readonly block1 = new Map<string, Block1Transfer>();
  private readonly nonNotifications = new Map<string, { path: string; key: string }>();
  /** The next ETag value, server-wide, so that no two representations share one. */
  private version = Math.floor(Math.random() * 0xffffffff);

  constructor(
    private readonly init: ServerInit,
    type: 'udp4' | 'udp6' = 'udp4',
  ) {
    const { exchangeLifetimeMs } = derivedTimes(init.transmission);
    this.endpoint = new Endpoint({
      type,
      transmission: init.transmission,
      random: init.random,
      dedupLifetimeMs: exchangeLifetimeMs,
      dedupCapacity: init.dedupCapacity,
      events: {
        onMessage: (packet, peer, atUs) => this.request(packet, peer, atUs),
        onDuplicate: () => init.events.onCode(C.coap.duplicate_suppressed),
        onUnmatched: (packet, peer) => this.unmatched(packet, peer),
        onMalformed: () => init.events.onCode(C.coap.malformed),
        onDedupEvicted: () => init.events.onCode(C.coap.dedup_evicted),
        onSocketError: (err) => init.events.onSocketError?.(err),
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
        `cannot listen for CoAP on ${host}:${port} (${code}${code === 'EADDRINUSE' ? ': the port is taken; choose another serve.port' : ''})`,
        { reasonCode: code, cause: err },
      );
    }
  }

  /** Defines or replaces a resource's representation and notifies its observers (RFC 7641 §4.2). */
  update(path: string, payload: Buffer, contentFormat: number): void {
    const r = this.resource(path, contentFormat);
    r.payload = payload;
    r.contentFormat = contentFormat;
    r.seq = (r.seq + 1) & 0xffffff;
    r.etag = this.nextEtag();
    for (const [key, o] of r.observers) this.notify(path, r, key, o);
  }

  /** Creates an empty resource (a virtual sensor's, before its first reading). */
  define(path: string, contentFormat: number): void {
    this.resource(path, contentFormat);
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }

  private resource(path: string, contentFormat: number): Resource {
    let r = this.resources.get(path);
    if (!r) {
      r = { payload: Buffer.alloc(0), contentFormat, seq: 0, etag: this.nextEtag(), observers: new Map() };
      this.resources.set(path, r);
    }
    return r;
  }

  private nextEtag(): Buffer {
    this.version = (this.version + 1) >>> 0;
    const etag = Buffer.alloc(4);
    etag.writeUInt32BE(this.version);
    return etag;
  }

  /** RFC 7959 §2.4: the block size a request asks for (Block2 SZX), never above the server's. */
  private blockSizeFor(packet: ParsedPacket): number {
    const asked = decodeBlock(option(packet, 'Block2'));
    return Math.min(asked?.size ?? this.init.blockSize, this.init.blockSize);
  }

  private request(packet: ParsedPacket, peer: Peer, atUs: number): void {
    const { events } = this.init;
    const code = packet.code;
    if (!code.startsWith('0.')) {
      // A response sent to a server: §4.2 rejects a CON that cannot be processed with RST.
      if (packet.confirmable) this.endpoint.reset(packet.messageId, peer);
      events.onCode(C.coap.unexpected_response);
      return;
    }
    const refused = optionRefusal(packet);
    if (refused) {
      // §5.4.1: an unrecognized critical option in a NON is rejected (§4.3), in a CON answered 4.02.
      if (refused === '4.02' && !packet.confirmable) this.endpoint.reset(packet.messageId, peer);
      else this.respond(packet, peer, refused);
      return;
    }
    const path = pathOf(packet);
    switch (code) {
      case '0.01':
        this.get(packet, peer, path);
        return;
      case '0.02':
      case '0.03':
        this.write(packet, peer, path, atUs);
        return;
      case '0.04':
        this.remove(packet, peer, path);
        return;
      default:
        // §5.8: an unrecognized method code gets 4.05 Method Not Allowed.
        this.respond(packet, peer, '4.05');
        return;
    }
  }

  private get(packet: ParsedPacket, peer: Peer, path: string): void {
    const accept = option(packet, 'Accept');
    if (path === WELL_KNOWN) {
      // §5.10.4: a format other than the one the resource offers is 4.06 Not Acceptable.
      if (accept !== undefined && decodeUint(accept) !== 40) this.respond(packet, peer, '4.06');
      else this.respond(packet, peer, '2.05', { payload: Buffer.from(this.linkFormat()), contentFormat: 40 });
      return;
    }
    const observe = option(packet, 'Observe');
    let r = this.resources.get(path);
    // The embedded server lets a resource be observed before its first update (a pub/sub topic).
    if (!r && observe !== undefined && decodeUint(observe) === 0 && this.init.writable) r = this.resource(path, 42);
    if (!r || (accept !== undefined && decodeUint(accept) !== r.contentFormat)) {
      this.respond(packet, peer, r ? '4.06' : '4.04');
      return;
    }
    const key = `${peerKey(peer)}|${packet.token.toString('hex')}`;
    const extra: ResponseExtra = { payload: r.payload, contentFormat: r.contentFormat };
    if (observe !== undefined) {
      const value = decodeUint(observe);
      if (value === 0) {
        // RFC 7641 §4.1: a registration from the same endpoint with the same token replaces the entry.
        this.init.events.onCode(r.observers.has(key) ? C.observe.reregistered : C.observe.registered);
        r.observers.set(key, { peer, token: Buffer.from(packet.token), blockSize: this.blockSizeFor(packet) });
        extra.observe = r.seq;
        extra.maxAgeSec = this.init.maxAgeSec;
      } else if (value === 1 && r.observers.delete(key)) {
        // §3.6: proactive cancellation, GET with Observe: 1.
        this.init.events.onCode(C.observe.deregistered_get);
      }
    }
    this.respondBlockwise(packet, peer, '2.05', extra);
  }

  private write(packet: ParsedPacket, peer: Peer, path: string, atUs: number): void {
    // RFC 6690 §4: /.well-known/core is the server's own listing, read with GET.
    if (!this.init.writable || path === WELL_KNOWN) {
      this.respond(packet, peer, '4.05');
      return;
    }
    let payload = packet.payload;
    const block1 = decodeBlock(option(packet, 'Block1'));
    const blockKey = `${peerKey(peer)}|${path}`;
    let echo: Buffer | undefined;
    if (block1) {
      // RFC 7959 §2.5: lock-step Block1; each block is answered, 2.31 Continue until the last.
      let t = this.block1.get(blockKey);
      if (block1.num === 0) {
        t = { parts: [], next: 0, size: block1.size };
        this.block1.set(blockKey, t);
      }
      if (!t || block1.num !== t.next) {
        this.block1.delete(blockKey);
        this.init.events.onCode(C.block1.incomplete);
        // §2.9.2: blocks out of sequence get 4.08 Request Entity Incomplete.
        this.respond(packet, peer, '4.08');
        return;
      }
      t.parts.push(Buffer.from(packet.payload));
      t.next++;
      this.init.events.onCode(C.block1.received);
      echo = option(packet, 'Block1');
      if (block1.more) {
        this.respond(packet, peer, '2.31', { block1: echo });
        return;
      }
      this.block1.delete(blockKey);
      payload = Buffer.concat(t.parts);
    }
    const existed = this.resources.has(path);
    const cf = option(packet, 'Content-Format');
    this.update(path, payload, cf === undefined ? 42 : decodeUint(cf));
    this.init.events.onBody?.(path, payload, atUs);
    // §5.8.2 POST creating a resource: 2.01 Created; §5.8.3 PUT or POST updating one: 2.04 Changed.
    this.respond(packet, peer, existed ? '2.04' : '2.01', echo ? { block1: echo } : {});
  }

  private remove(packet: ParsedPacket, peer: Peer, path: string): void {
    if (!this.init.writable || path === WELL_KNOWN) {
      this.respond(packet, peer, '4.05');
      return;
    }
    const r = this.resources.get(path);
    if (r) {
      // RFC 7641 §3.2: an error notification ends every observation of the resource.
      for (const o of r.observers.values())
        this.endpoint.send(
          generate({
            code: '4.04',
            confirmable: false,
            messageId: this.endpoint.nextMessageId(o.peer),
            token: o.token,
            options: [],
          }),
          o.peer,
        );
      this.resources.delete(path);
    }
    this.respond(packet, peer, '2.02');
  }

  private respondBlockwise(packet: ParsedPacket, peer: Peer, code: string, extra: ResponseExtra): void {
    const payload = extra.payload ?? Buffer.alloc(0);
    const asked = decodeBlock(option(packet, 'Block2'));
    const size = this.blockSizeFor(packet);
    // RFC 7959 §2.4: a representation larger than a block is served block by block; the client
    // asks for block num (late negotiation may lower the size, §2.4.2).
    if (payload.length <= size && !asked) {
      this.respond(packet, peer, code, extra);
      return;
    }
    const etag = this.resources.get(pathOf(packet))?.etag ?? this.nextEtag();
    const block = block2Of(payload, asked?.num ?? 0, size, etag);
    if (!block) {
      this.respond(packet, peer, '4.02');
      return;
    }
    this.init.events.onCode(C.block2.sent);
    this.respond(packet, peer, code, { ...extra, ...block });
  }

  private respond(packet: ParsedPacket, peer: Peer, code: string, extra: ResponseExtra = {}): void {
    if (declined(packet, code)) {
      // RFC 7967 §2: the client declined this class of response: none is sent. A CON request is
      // still acknowledged at the message layer, with an empty ACK (RFC 7252 §4.2).
      this.init.events.onCode(C.coap.response_suppressed);
      if (packet.confirmable) this.endpoint.acknowledge(packet, peer);
      return;
    }
    const messageId = packet.confirmable ? packet.messageId : this.endpoint.nextMessageId(peer);
    const buf = buildResponse(packet, code, extra, messageId);
    this.init.events.onCode(C.response.of(code));
    this.endpoint.reply(packet, peer, buf);
  }

  private notify(path: string, r: Resource, key: string, o: Observation): void {
    const extra: ResponseExtra = {
      observe: r.seq,
      payload: r.payload,
      contentFormat: r.contentFormat,
      maxAgeSec: this.init.maxAgeSec,
    };
    // RFC 7959 §2.6: a notification larger than the observer's block size carries only the first
    // block (Block2 0, M=1) and the ETag; the observer GETs the rest (served by get()).
    if (r.payload.length > o.blockSize) {
      Object.assign(extra, block2Of(r.payload, 0, o.blockSize, r.etag));
      this.init.events.onCode(C.block2.sent);
    }
    const messageId = this.endpoint.nextMessageId(o.peer);
    const confirmable = this.init.notify === 'CON';
    const buf = generate(
      { code: '2.05', confirmable, messageId, token: o.token, options: responseOptions(extra), payload: extra.payload },
      MAX_DATAGRAM,
    );
    this.init.events.onCode(C.observe.notification);
    if (!confirmable) {
      // Remember the NON so that an RST answering it cancels the observation (RFC 7641 §3.6).
      this.nonNotifications.set(`${peerKey(o.peer)}|${messageId}`, { path, key });
      if (this.nonNotifications.size > NON_NOTIFICATION_MEMORY)
        this.nonNotifications.delete(this.nonNotifications.keys().next().value as string);
      this.endpoint.send(buf, o.peer);
      return;
    }
    this.endpoint.sendConfirmable(buf, messageId, o.peer, {
      onAck: () => {},
      onReset: () => {
        if (r.observers.delete(key)) this.init.events.onCode(C.observe.deregistered_rst);
      },
      // RFC 7641 §4.5: an unacknowledged CON notification removes the observer.
      onTimeout: () => {
        if (r.observers.delete(key)) this.init.events.onCode(C.observe.observer_timed_out);
      },
      onRetransmit: () => this.init.events.onCode(C.coap.retransmission),
    });
  }

  private unmatched(packet: ParsedPacket, peer: Peer): void {
    if (!packet.reset) return;
    const k = `${peerKey(peer)}|${packet.messageId}`;
    const n = this.nonNotifications.get(k);
    if (!n) return;
    this.nonNotifications.delete(k);
    if (this.resources.get(n.path)?.observers.delete(n.key)) this.init.events.onCode(C.observe.deregistered_rst);
  }

  /** RFC 6690 link format: one link per resource, with its Content-Format and `obs` (RFC 7641 §6). */
  private linkFormat(): string {
    return [...this.resources.entries()].map(([path, r]) => `<${path}>;ct=${r.contentFormat};obs`).join(',');
  }
}
