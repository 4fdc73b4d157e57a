// One virtual CoAP device with its own UDP socket (its own source port, as a real device has).
// Three roles, chosen by the fleet:
//  - client: every send is a request (CON or NON) to the target; the response closes it;
//  - server (`serve`): the device listens on its own port and every send is a notification
//    to the observers of its resource (RFC 7641);
//  - observer: `subscribe()` registers Observe on resources (virtual sensors or the target's),
//    and every notification is a received message.
import { isIP } from 'node:net';
import { nowUs } from '../../metrics/clock.ts';
import type { CodeKey } from '../../metrics/codes.ts';
import { emptyWire, type WireTotalsByKind } from '../../power/wire.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { decodeBlock, encodeBlock, METHOD_CODES, option, type ParsedPacket, pathOptions } from './codec.ts';
import { COAP_CODES } from './codes.ts';
import { dtlsSocket } from './dtls.ts';
import { Endpoint, type Peer } from './endpoint.ts';
import {
  countBlock2,
  type Exchange,
  finalResponseCodes,
  noResponseRequest,
  type RestFetch,
  requestBuilder,
  settleExchange,
  sweepEvery,
} from './exchange.ts';
import { type Observation, Observations } from './observe.ts';
import { derivedTimes, type ResolvedCoapOptions } from './options.ts';
import { serveResource } from './serve.ts';
import type { CoapServer } from './server.ts';
import { resolvePeer } from './uri.ts';
import { coapWire } from './wire.ts';

const C = COAP_CODES.keys;

/** Per-device duplicate memory: a device sees few messages, this bounds a flood. */
const DEVICE_DEDUP_CAPACITY = 10_000;

export class CoapDevice implements DriverDevice {
  private endpoint: Endpoint | undefined;
  private server: CoapServer | undefined;
  private target: Peer | undefined;
  private readonly exchanges = new Map<string, Exchange>();
  private readonly observations: Observations;
  private confirmableOutstanding = 0;
  /** The last path requested and its Uri-Path/Uri-Query options: a fleet's path rarely changes per send. */
  private uri: { path: string; options: ReturnType<typeof pathOptions> } | undefined;
  private isConnected = false;
  private closing = false;
  private sweep: NodeJS.Timeout | undefined;
  /** coaps:// only: the DTLS sessions' datagrams by kind (plain CoAP is counted from bytes and datagrams). */
  private dtlsWire: WireTotalsByKind | undefined;
  /** Round trips this device waited for (see `wire`). */
  private dataWaits = 0;

  constructor(
    private readonly init: DeviceInit<ResolvedCoapOptions>,
    private readonly events: DeviceEvents,
  ) {
    this.observations = new Observations({
      options: init.options,
      targetUrl: init.url,
      connectTimeoutMs: init.connectTimeoutMs,
      nextToken: () => (this.endpoint as Endpoint).nextToken(),
      request: (obs, value) => this.observeRequest(obs, value),
      reset: (messageId, peer) => (this.endpoint as Endpoint).reset(messageId, peer),
      code: (code, count) => events.onCode(code, count),
      deliver: (message) => events.onMessage(message),
    });
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get bytes(): { sent: number; received: number } {
    const e = this.server?.endpoint ?? this.endpoint;
    return { sent: e?.bytesSent ?? 0, received: e?.bytesReceived ?? 0 };
  }

  /** Datagrams by kind and the round trips waited for (wire.ts). */
  get wire(): WireTotalsByKind {
    return coapWire(this.dtlsWire, this.bytes, this.datagrams, this.dataWaits);
  }

  get datagrams(): { sent: number; received: number } {
    const e = this.server?.endpoint ?? this.endpoint;
    return { sent: e?.datagramsSent ?? 0, received: e?.datagramsReceived ?? 0 };
  }

  /** CoAP has no connection: "connect" resolves the target and binds the device's socket (or its server port). */
  async connect(): Promise<number> {
    const t0 = nowUs();
    const { options } = this.init;
    if (options.serve) {
      this.server = await serveResource(this.init, DEVICE_DEDUP_CAPACITY, {
        onCode: (code) => this.code(code),
        onSocketError: (err) => this.events.onError('coap.socket', err.message),
      });
    } else {
      this.target = await resolvePeer(this.init.url);
      const type = isIP(this.target.address) === 6 ? 'udp6' : 'udp4';
      // coaps:// (RFC 7252 §9.1): every message travels in a DTLS session to the target.
      const socket = await dtlsSocket(this.init, this.target, type, () => (this.dtlsWire ??= emptyWire()));
      const endpoint = new Endpoint({
        ...(socket ? { socket } : {}),
        type,
        transmission: options.transmission,
        random: Math.random,
        dedupLifetimeMs: derivedTimes(options.transmission).exchangeLifetimeMs,
        dedupCapacity: DEVICE_DEDUP_CAPACITY,
        events: {
          onMessage: (packet, peer, atUs) => this.message(packet, peer, atUs),
          onUnmatched: () => this.code(C.coap.unmatched_ack),
          onDuplicate: () => this.code(C.coap.duplicate_suppressed),
          onMalformed: () => this.code(C.coap.malformed),
          onSocketError: (err) => this.events.onError('coap.socket', err.message),
        },
      });
      this.endpoint = endpoint;
      // The scenario's source address, if any (coaps:// sessions keep the DTLS library's socket).
      if (!socket) await endpoint.bind(0, this.init.localAddress);
      // NON requests nobody answers are forgotten after MAX_TRANSMIT_WAIT (§4.8.2).
      this.sweep = sweepEvery(this.exchanges, options.transmission, () => this.code(C.coap.non_unanswered));
    }
    this.isConnected = true;
    return nowUs() - t0;
  }

  /** Observers: register on each resource (a path on the target, or a coap:// URL of a virtual sensor). */
  async subscribe(filters: readonly string[]): Promise<void> {
    const registrations = filters.map((f) => this.observations.register(f));
    const failures = (await Promise.allSettled(registrations)).filter(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failures.length > 0) throw failures[0]?.reason;
  }

  send(message: OutgoingMessage): SendOutcome {
    if (!this.isConnected || this.closing) return 'not_connected';
    if (this.server) {
      // A virtual sensor: the send is a new representation of its resource, notified to every observer.
      this.server.update(message.topic, message.payload, this.init.options.contentFormat);
      return 'sent';
    }
    const o = this.init.options;
    const body = o.method === 'GET' || o.method === 'DELETE' ? undefined : message.payload;
    const blockwise = body !== undefined && body.length > o.blockSize;
    // Block-wise transfers are lock-step CON exchanges (RFC 7959 §2.5).
    const confirmable = o.type === 'CON' || blockwise;
    // §4.7 NSTART: at most this many outstanding confirmable interactions per server.
    if (confirmable && this.confirmableOutstanding >= o.transmission.nstart) return 'window_full';
    // RFC 7967: a NON that declines every response is sent and forgotten: no exchange to match,
    // nothing to wait for. A block-wise body stays a CON transfer without it (RFC 7959 §2.5).
    if (o.noResponse && !confirmable) {
      const e = this.endpoint as Endpoint;
      const shape = { code: METHOD_CODES[o.method], token: e.nextToken(), uri: this.uriOf(message.topic), body };
      e.send(noResponseRequest(o, shape, e.nextMessageId()), this.target as Peer);
      return 'sent';
    }
    this.request(message, message.topic, body, confirmable, undefined);
    return 'sent';
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.isConnected = false;
    clearInterval(this.sweep);
    await this.observations.close();
    // Requests still open when the device stops: NON never answered, CON abandoned mid-retransmission.
    for (const x of this.exchanges.values())
      if (x.message && !x.message.isReply) this.code(x.confirmable ? C.coap.abandoned : C.coap.non_unanswered);
    this.exchanges.clear();
    await Promise.all([this.endpoint?.close(), this.server?.close()]);
  }

  kill(): void {
    this.closing = true;
    this.isConnected = false;
    clearInterval(this.sweep);
    this.observations.kill();
    void this.endpoint?.close();
    void this.server?.close();
  }

  private code(code: CodeKey): void {
    this.events.onCode(code);
  }

  private request(
    message: OutgoingMessage | undefined,
    target: string,
    body: Buffer | undefined,
    confirmable: boolean,
    extra:
      | {
          observe?: number;
          peer?: Peer;
          token?: Buffer;
          settle?: Exchange['settle'];
          block2?: Buffer;
          rest?: RestFetch;
        }
      | undefined,
  ): void {
    const endpoint = this.endpoint as Endpoint;
    const o = this.init.options;
    const peer = extra?.peer ?? (this.target as Peer);
    const token = extra?.token ?? endpoint.nextToken();
    const key = token.toString('hex');
    const code = extra?.observe !== undefined || extra?.rest ? METHOD_CODES.GET : METHOD_CODES[o.method];
    const uri = this.uriOf(target);
    const build = requestBuilder({
      code,
      confirmable,
      token,
      uri,
      body,
      contentFormat: o.contentFormat,
      observe: extra?.observe,
      extra: o.extraOptions,
    });
    const x: Exchange = {
      message,
      peer,
      build,
      confirmable,
      body: body !== undefined && body.length > o.blockSize ? body : undefined,
      sentAtMs: Date.now(),
      get: code === METHOD_CODES.GET,
    };
    if (extra?.settle) x.settle = extra.settle;
    if (extra?.rest) x.rest = extra.rest;
    this.exchanges.set(key, x);
    // RFC 7959 §2.4 early negotiation: ask for smaller blocks from the start; an Observe
    // registration too, so that notifications come in blocks of that size (§2.6).
    const early =
      extra?.block2 ??
      (code === METHOD_CODES.GET && o.blockSize < 1024
        ? encodeBlock({ num: 0, more: false, size: o.blockSize })
        : undefined);
    this.transmit(key, x, x.body ? encodeBlock({ num: 0, more: true, size: o.blockSize }) : undefined, early);
  }

  /** The Uri-Path/Uri-Query options of `target`, kept for the next request to the same path. */
  private uriOf(target: string): ReturnType<typeof pathOptions> {
    if (this.uri?.path !== target) this.uri = { path: target, options: pathOptions(target) };
    return this.uri.options;
  }

  /** Observations' GET with Observe: 0 or 1 on their own token (RFC 7641 §3.1, §3.6). */
  private observeRequest(obs: Observation, observe: 0 | 1): Promise<ParsedPacket | undefined> {
    return new Promise((resolve) =>
      this.request(undefined, obs.path, undefined, true, {
        observe,
        peer: obs.peer,
        token: obs.token,
        settle: resolve,
      }),
    );
  }

  private transmit(key: string, x: Exchange, block1: Buffer | undefined, block2: Buffer | undefined): void {
    const endpoint = this.endpoint as Endpoint;
    const messageId = endpoint.nextMessageId();
    const buf = x.build(messageId, block1, block2);
    if (block1) {
      this.code(C.block1.sent);
      x.block1 = decodeBlock(block1);
    }
    if (!x.confirmable) {
      endpoint.send(buf, x.peer);
      return;
    }
    this.confirmableOutstanding++;
    let open = true;
    const done = (): void => {
      if (open) this.confirmableOutstanding--;
      open = false;
    };
    endpoint.sendConfirmable(buf, messageId, x.peer, {
      onAck: (ack, atUs) => {
        done();
        this.dataWaits++;
        // An empty ACK: the response comes separately (§5.2.2), matched by token.
        if (ack.code !== '0.00') this.response(ack, x.peer, atUs);
      },
      onReset: () => {
        done();
        this.dataWaits++;
        this.code(C.coap.rst_received);
        this.finish(key, x, undefined);
      },
      onTimeout: () => {
        done();
        this.code(C.coap.timeout);
        this.finish(key, x, undefined);
      },
      onRetransmit: () => this.code(C.coap.retransmission),
    });
  }

  /** A CON or NON arrived: a separate response, or a notification. */
  private message(packet: ParsedPacket, peer: Peer, atUs: number): void {
    const endpoint = this.endpoint as Endpoint;
    if (packet.code.startsWith('0.')) {
      // A request to a client device: §4.2 rejects a CON it cannot process with RST.
      if (packet.confirmable) endpoint.reset(packet.messageId, peer);
      return;
    }
    // §5.2.2: a separate response in a CON is acknowledged; one nobody waits for gets RST instead
    // (§4.2), as does a notification of a cancelled observation (RFC 7641 §3.6): response() sends it.
    const key = packet.token.toString('hex');
    if (packet.confirmable && (this.exchanges.has(key) || this.observations.get(key)?.active))
      endpoint.acknowledge(packet, peer);
    this.response(packet, peer, atUs);
  }

  private response(packet: ParsedPacket, peer: Peer, atUs: number): void {
    const key = packet.token.toString('hex');
    const observe = option(packet, 'Observe');
    const obs = this.observations.get(key);
    if (obs && observe !== undefined && !this.exchanges.has(key)) {
      const first = decodeBlock(option(packet, 'Block2'));
      if (first?.more && first.num === 0 && obs.active && packet.code.startsWith('2.')) {
        this.code(C.block2.received);
        this.fetchRest(obs, packet, first.size);
      } else this.observations.notification(obs, packet, atUs);
      return;
    }
    const x = this.exchanges.get(key);
    if (!x) {
      // §5.3.2 / RFC 7641 §3.6: a response or notification for no known request is rejected.
      if (packet.confirmable || !packet.ack) (this.endpoint as Endpoint).reset(packet.messageId, peer);
      if (observe !== undefined) this.code(C.observe.rst_sent);
      else this.code(C.coap.unexpected_response);
      return;
    }
    // §5.2.3: the response to a NON request ends its wait (a CON's ended with its ACK).
    if (!x.confirmable) this.dataWaits++;
    const block1 = decodeBlock(option(packet, 'Block1'));
    if (packet.code === '2.31' && x.body && block1 && x.block1) {
      this.code(C.block1.continue);
      // RFC 7959 §2.3: 2.31 Continue asks for the next block. §2.5 (Figure 9): a server may answer
      // with a smaller SZX (late negotiation); the client continues at the same byte offset in
      // blocks of that size, so the next block number is scaled by old size / new size.
      const sent = x.block1;
      const size = Math.min(block1.size, sent.size);
      const num = ((sent.num + 1) * sent.size) / size;
      this.transmit(key, x, encodeBlock({ num, more: (num + 1) * size < x.body.length, size }), undefined);
      return;
    }
    if (x.settle && !x.observed && observe !== undefined) x.observed = packet;
    const block2 = decodeBlock(option(packet, 'Block2'));
    if (block2 && packet.code.startsWith('2.')) {
      this.code(C.block2.received);
      countBlock2(x, packet);
      if (x.rest) {
        const etag = option(packet, 'ETag');
        if (x.rest.etag && !etag?.equals(x.rest.etag)) {
          // A newer representation replaced the one being fetched: its own notification follows.
          this.exchanges.delete(key);
          this.code(C.block2.etag_changed);
          return;
        }
        x.rest.parts.push(packet.payload);
      }
      if (block2.more) {
        // RFC 7959 §2.4: ask for the next block, keeping the size the server chose.
        this.transmit(key, x, undefined, encodeBlock({ num: block2.num + 1, more: false, size: block2.size }));
        return;
      }
    }
    for (const c of finalResponseCodes(packet, x)) this.code(c);
    this.finish(key, x, packet, atUs);
  }

  private finish(key: string, x: Exchange, response: ParsedPacket | undefined, atUs = nowUs()): void {
    this.exchanges.delete(key);
    settleExchange(x, response, atUs, this.events, `${this.init.clientId}: ${this.init.options.method}`);
  }

  /**
   * RFC 7959 §2.6: a notification carrying only its first block. The rest is fetched with GETs
   * for blocks 1, 2, … of the block size the server chose, on a token of their own and without
   * Observe; the notification counts once, whole, when the last block is in.
   */
  private fetchRest(obs: Observation, first: ParsedPacket, size: number): void {
    this.request(undefined, obs.path, undefined, true, {
      peer: obs.peer,
      block2: encodeBlock({ num: 1, more: false, size }),
      rest: {
        etag: option(first, 'ETag'),
        parts: [first.payload],
        done: (payload, atUs) => this.observations.notification(obs, { ...first, payload }, atUs),
      },
    });
  }
}
