// One virtual CoAP device with its own UDP socket (its own source port, as a real device has).
// Three roles, chosen by the fleet:
//  - client: every send is a request (CON or NON) to the target; the response closes it;
//  - server (`serve`): the device listens on its own port and every send is a notification
//    to the observers of its resource (RFC 7641);
//  - observer: `subscribe()` registers Observe on resources (virtual sensors or the target's),
//    and every notification is a received message.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ErrorCodes, FleetbenchError } from '../../errors.ts';
import { nowUs } from '../../metrics/clock.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { MAX_DATAGRAM, METHOD_CODES, decodeBlock, decodeUint, encodeBlock, encodeUint, generate, isFresher, option, pathOptions, type ParsedPacket } from './codec.ts';
import { Endpoint, peerKey, type Peer } from './endpoint.ts';
import { derivedTimes, type ResolvedCoapOptions } from './options.ts';
import { CoapServer } from './server.ts';

/** Per-device duplicate memory: a device sees few messages, this bounds a flood. */
const DEVICE_DEDUP_CAPACITY = 10_000;
/** How long a closing observer waits for the last deregistrations to be answered. */
const DEREGISTER_WAIT_MS = 1000;

interface Exchange {
  message: OutgoingMessage | undefined;
  peer: Peer;
  /** The request, rebuilt per block with a new Message ID. */
  build: (messageId: number, block1: Buffer | undefined, block2: Buffer | undefined) => Buffer;
  confirmable: boolean;
  /** Block1: the payload still to send, in blocks of `blockSize`. */
  body: Buffer | undefined;
  block1Num: number;
  block2Num: number;
  /** NON requests: when it was sent, for the unanswered sweep. */
  sentAtMs: number;
  /** Resolves registrations (observers) and deregistrations. */
  settle?: (response: ParsedPacket | undefined, reason?: string) => void;
  /** The first response of an Observe exchange: it carries Observe and Max-Age, later blocks do not. */
  observed?: ParsedPacket;
}

interface Observation {
  url: string;
  path: string;
  peer: Peer;
  token: Buffer;
  lastSeq: number;
  lastAtMs: number;
  notifications: number;
  timer: NodeJS.Timeout | undefined;
  maxAgeMs: number;
  active: boolean;
}

export class CoapDevice implements DriverDevice {
  private endpoint: Endpoint | undefined;
  private server: CoapServer | undefined;
  private target: Peer | undefined;
  private readonly exchanges = new Map<string, Exchange>();
  private readonly observations = new Map<string, Observation>();
  private confirmableOutstanding = 0;
  private isConnected = false;
  private closing = false;
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly init: DeviceInit<ResolvedCoapOptions>,
    private readonly events: DeviceEvents,
  ) {}

  get connected(): boolean {
    return this.isConnected;
  }

  get bytes(): { sent: number; received: number } {
    const e = this.server?.endpoint ?? this.endpoint;
    return { sent: e?.bytesSent ?? 0, received: e?.bytesReceived ?? 0 };
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
      const server = new CoapServer({
        writable: false,
        transmission: options.transmission,
        notify: options.serve.notify,
        maxAgeSec: options.serve.maxAgeSec,
        blockSize: options.blockSize,
        random: Math.random,
        dedupCapacity: DEVICE_DEDUP_CAPACITY,
        events: { onCode: (packet, code) => this.code(packet, code), onSocketError: (err) => this.events.onError('coap.socket', err.message) },
      }, isIP(options.serve.host) === 6 ? 'udp6' : 'udp4');
      this.server = server;
      await server.listen(options.serve.port + this.init.index, options.serve.host);
      // The resource exists (empty) from the start, so observers can register before the first reading.
      if (this.init.resource !== undefined) server.define(this.init.resource, options.contentFormat);
    } else {
      this.target = await resolvePeer(this.init.url);
      const endpoint = new Endpoint({
        type: isIP(this.target.address) === 6 ? 'udp6' : 'udp4',
        transmission: options.transmission,
        random: Math.random,
        dedupLifetimeMs: derivedTimes(options.transmission).exchangeLifetimeMs,
        dedupCapacity: DEVICE_DEDUP_CAPACITY,
        events: {
          onMessage: (packet, peer, atUs) => this.message(packet, peer, atUs),
          onUnmatched: () => this.code('coap', 'unmatched_ack'),
          onDuplicate: () => this.code('coap', 'duplicate_suppressed'),
          onMalformed: () => this.code('coap', 'malformed'),
          onSocketError: (err) => this.events.onError('coap.socket', err.message),
        },
      });
      this.endpoint = endpoint;
      await endpoint.bind(0);
      // NON requests nobody answers are forgotten after MAX_TRANSMIT_WAIT (§4.8.2).
      this.sweep = setInterval(() => this.sweepUnanswered(), 1000);
      this.sweep.unref();
    }
    this.isConnected = true;
    return nowUs() - t0;
  }

  /** Observers: register on each resource (a path on the target, or a coap:// URL of a virtual sensor). */
  async subscribe(filters: readonly string[]): Promise<void> {
    const registrations = filters.map((f) => this.register(f));
    const failures = (await Promise.allSettled(registrations)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
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
    return this.request(message, message.topic, body, confirmable, undefined) ? 'sent' : 'backpressure';
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.isConnected = false;
    clearInterval(this.sweep);
    if (this.endpoint && this.init.options.deregister !== 'none') await this.deregisterAll();
    for (const o of this.observations.values()) clearTimeout(o.timer);
    // Requests still open when the device stops: NON never answered, CON abandoned mid-retransmission.
    for (const x of this.exchanges.values()) if (x.message && !x.message.isReply) this.code('coap', x.confirmable ? 'abandoned' : 'non_unanswered');
    this.exchanges.clear();
    await Promise.all([this.endpoint?.close(), this.server?.close()]);
  }

  kill(): void {
    this.closing = true;
    this.isConnected = false;
    clearInterval(this.sweep);
    for (const o of this.observations.values()) clearTimeout(o.timer);
    void this.endpoint?.close();
    void this.server?.close();
  }

  private code(packet: string, code: string): void {
    this.events.onCode(packet, code);
  }

  /** Sends a request; returns false if it could not be built (too large without block-wise). */
  private request(message: OutgoingMessage | undefined, target: string, body: Buffer | undefined, confirmable: boolean, extra: { observe?: number; peer?: Peer; token?: Buffer; settle?: Exchange['settle'] } | undefined): boolean {
    const endpoint = this.endpoint as Endpoint;
    const o = this.init.options;
    const peer = extra?.peer ?? (this.target as Peer);
    const token = extra?.token ?? endpoint.nextToken();
    const code = extra?.observe !== undefined ? METHOD_CODES.GET : METHOD_CODES[o.method];
    const uri = pathOptions(target);
    const build = (messageId: number, block1: Buffer | undefined, block2: Buffer | undefined): Buffer => {
      const options = [...uri];
      // RFC 7959 §2.6: only the request for the first block carries Observe.
      if (extra?.observe !== undefined && (!block2 || (decodeBlock(block2)?.num ?? 0) === 0)) options.push({ name: 'Observe', value: encodeUint(extra.observe) });
      if (body !== undefined) options.push({ name: 'Content-Format', value: encodeUint(o.contentFormat) });
      if (block1) options.push({ name: 'Block1', value: block1 });
      if (block2) options.push({ name: 'Block2', value: block2 });
      let payload = body ?? Buffer.alloc(0);
      if (block1) {
        const b = decodeBlock(block1) as { num: number; size: number };
        payload = payload.subarray(b.num * b.size, (b.num + 1) * b.size);
        // RFC 7959 §4: Size1 announces the whole body in the first block.
        if (b.num === 0) options.push({ name: 'Size1', value: encodeUint(body?.length ?? 0) });
      }
      return generate({ code, confirmable, messageId, token, options, payload }, MAX_DATAGRAM);
    };
    const x: Exchange = { message, peer, build, confirmable, body: body !== undefined && body.length > o.blockSize ? body : undefined, block1Num: 0, block2Num: 0, sentAtMs: Date.now() };
    if (extra?.settle) x.settle = extra.settle;
    this.exchanges.set(token.toString('hex'), x);
    // RFC 7959 §2.4 early negotiation: ask for smaller blocks from the start.
    const early = code === METHOD_CODES.GET && o.blockSize < 1024 && extra?.observe === undefined ? encodeBlock({ num: 0, more: false, size: o.blockSize }) : undefined;
    this.transmit(token.toString('hex'), x, x.body ? encodeBlock({ num: 0, more: true, size: o.blockSize }) : undefined, early);
    return true;
  }

  private transmit(key: string, x: Exchange, block1: Buffer | undefined, block2: Buffer | undefined): void {
    const endpoint = this.endpoint as Endpoint;
    const messageId = endpoint.nextMessageId();
    const buf = x.build(messageId, block1, block2);
    if (block1) this.code('block1', 'sent');
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
        // An empty ACK: the response comes separately (§5.2.2), matched by token.
        if (ack.code !== '0.00') this.response(ack, x.peer, atUs);
      },
      onReset: () => {
        done();
        this.code('coap', 'rst_received');
        this.finish(key, x, undefined, 'reset');
      },
      onTimeout: () => {
        done();
        this.code('coap', 'timeout');
        this.finish(key, x, undefined, 'timeout');
      },
      onRetransmit: () => this.code('coap', 'retransmission'),
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
    // §5.2.2: a separate response in a CON is acknowledged.
    if (packet.confirmable) endpoint.acknowledge(packet, peer);
    this.response(packet, peer, atUs);
  }

  private response(packet: ParsedPacket, peer: Peer, atUs: number): void {
    const key = packet.token.toString('hex');
    const obs = this.observations.get(key);
    if (obs && option(packet, 'Observe') !== undefined && !this.exchanges.has(key)) return this.notification(obs, packet, atUs);
    const x = this.exchanges.get(key);
    if (!x) {
      // §5.3.2 / RFC 7641 §3.6: a response or notification for no known request is rejected.
      if (packet.confirmable || !packet.ack) (this.endpoint as Endpoint).reset(packet.messageId, peer);
      if (option(packet, 'Observe') !== undefined) this.code('observe', 'rst_sent');
      else this.code('coap', 'unexpected_response');
      return;
    }
    const block1 = decodeBlock(option(packet, 'Block1'));
    if (packet.code === '2.31' && x.body && block1) {
      // RFC 7959 §2.3: 2.31 Continue asks for the next block.
      x.block1Num = block1.num + 1;
      const size = Math.min(block1.size, this.init.options.blockSize);
      const more = (x.block1Num + 1) * size < x.body.length;
      return this.transmit(key, x, encodeBlock({ num: x.block1Num, more, size }), undefined);
    }
    if (x.settle && !x.observed && option(packet, 'Observe') !== undefined) x.observed = packet;
    const block2 = decodeBlock(option(packet, 'Block2'));
    if (block2 && packet.code.startsWith('2.')) {
      this.code('block2', 'received');
      if (block2.more) {
        // RFC 7959 §2.4: ask for the next block, keeping the size the server chose.
        x.block2Num = block2.num + 1;
        return this.transmit(key, x, undefined, encodeBlock({ num: x.block2Num, more: false, size: block2.size }));
      }
    }
    this.code('response', packet.code);
    this.finish(key, x, packet, undefined, atUs);
  }

  private finish(key: string, x: Exchange, response: ParsedPacket | undefined, reason: string | undefined, atUs = nowUs()): void {
    this.exchanges.delete(key);
    if (x.settle) return x.settle(x.observed ?? response, reason);
    if (response && x.message) {
      // The whole exchange, block-wise ones included: request → final response.
      this.events.onAck(x.message, atUs, undefined);
    }
  }

  private sweepUnanswered(): void {
    const limitMs = derivedTimes(this.init.options.transmission).maxTransmitWaitMs;
    const now = Date.now();
    for (const [key, x] of this.exchanges) {
      if (x.confirmable || now - x.sentAtMs < limitMs) continue;
      this.exchanges.delete(key);
      if (x.settle) x.settle(undefined, 'timeout');
      else this.code('coap', 'non_unanswered');
    }
  }

  // --- Observe (RFC 7641) -----------------------------------------------------------------

  private async register(filter: string): Promise<void> {
    const { url, path } = splitFilter(filter, this.init.url);
    const peer = await resolvePeer(url);
    const endpoint = this.endpoint as Endpoint;
    const token = endpoint.nextToken();
    const obs: Observation = { url, path, peer, token, lastSeq: -1, lastAtMs: 0, notifications: 0, timer: undefined, maxAgeMs: 60_000, active: true };
    this.observations.set(token.toString('hex'), obs);
    const deadline = Date.now() + this.init.connectTimeoutMs;
    // A registration is a GET with Observe: 0 (§3.1), as a CON so it is retransmitted until the
    // server (perhaps still starting) answers; repeated until the connect timeout.
    for (;;) {
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const response = await Promise.race([this.observeRequest(obs, 0), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), Math.max(0, left))))]);
      clearTimeout(timer);
      if (response && response.code.startsWith('2.') && option(response, 'Observe') !== undefined) {
        this.code('observe', 'registered');
        obs.lastSeq = decodeUint(option(response, 'Observe'));
        obs.lastAtMs = Date.now();
        obs.maxAgeMs = maxAgeOf(response);
        this.armFreshness(obs);
        return;
      }
      if (response) {
        this.observations.delete(token.toString('hex'));
        const why = response.code.startsWith('2.') ? 'the server answered without Observe: the resource is not observable' : `the server answered ${response.code}`;
        throw new FleetbenchError(ErrorCodes.CONNECT_REJECTED, `cannot observe ${url}${path}: ${why}`, { reasonCode: response.code });
      }
      if (Date.now() >= deadline || this.closing) {
        this.observations.delete(token.toString('hex'));
        throw new FleetbenchError(ErrorCodes.CONNECT_TIMEOUT, `cannot observe ${url}${path}: no answer within ${this.init.connectTimeoutMs} ms`, { reasonCode: 'coap.timeout' });
      }
    }
  }

  private observeRequest(obs: Observation, observe: 0 | 1): Promise<ParsedPacket | undefined> {
    return new Promise((resolve) => {
      this.request(undefined, obs.path, undefined, true, { observe, peer: obs.peer, token: obs.token, settle: (response) => resolve(response) });
    });
  }

  private notification(obs: Observation, packet: ParsedPacket, atUs: number): void {
    if (!obs.active) {
      // Reactive cancellation (RFC 7641 §3.6): reject notifications we no longer want.
      (this.endpoint as Endpoint).reset(packet.messageId, obs.peer);
      this.code('observe', 'rst_sent');
      return;
    }
    if (!packet.code.startsWith('2.')) {
      // §3.2: an error notification ends the observation; register again.
      this.code('observe', 'ended_by_server');
      this.reregister(obs);
      return;
    }
    const seq = decodeUint(option(packet, 'Observe'));
    const now = Date.now();
    this.code('observe', 'notification');
    if (isFresher(obs.lastSeq, obs.lastAtMs, seq, now)) {
      const gap = (seq - obs.lastSeq - 1 + 0x1000000) % 0x1000000;
      // Sequence numbers the server skipped: notifications lost on the way (NON) or overtaken.
      if (obs.lastSeq >= 0 && gap > 0 && gap < 0x800000) this.events.onCode('observe', 'gap', gap);
      obs.lastSeq = seq;
      obs.lastAtMs = now;
    } else this.code('observe', 'stale');
    obs.notifications++;
    obs.maxAgeMs = maxAgeOf(packet);
    this.armFreshness(obs);
    this.events.onMessage({ topic: obs.path, payload: packet.payload, receivedUs: atUs, retained: false });
  }

  /** §3.3.1: re-register when Max-Age passes without a notification, or on the fleet's interval. */
  private armFreshness(obs: Observation): void {
    const every = this.init.options.reregisterMs;
    // On a fixed interval, notifications do not push the next re-registration back.
    if (every !== undefined && obs.timer !== undefined) return;
    clearTimeout(obs.timer);
    if (this.closing) return;
    const wait = every ?? obs.maxAgeMs + 2000;
    obs.timer = setTimeout(() => {
      obs.timer = undefined;
      this.reregister(obs);
    }, wait);
    obs.timer.unref();
  }

  private reregister(obs: Observation): void {
    if (this.closing || !obs.active) return;
    this.code('observe', 'reregistration');
    // §3.3.1: a GET with Observe: 0 and the same token refreshes the registration.
    void this.observeRequest(obs, 0).then((r) => {
      if (!r || !r.code.startsWith('2.') || option(r, 'Observe') === undefined) this.code('observe', 'reregistration_failed');
      this.armFreshness(obs);
    });
  }

  private async deregisterAll(): Promise<void> {
    const all = [...this.observations.values()].filter((o) => o.active);
    if (all.length === 0) return;
    for (const o of all) clearTimeout(o.timer);
    if (this.init.options.deregister === 'rst') {
      // Reactive: forget the tokens and reject the next notification of each with RST.
      for (const o of all) o.active = false;
      await new Promise((r) => setTimeout(r, Math.min(DEREGISTER_WAIT_MS, all[0]?.maxAgeMs ?? DEREGISTER_WAIT_MS)).unref());
      return;
    }
    // Proactive (§3.6): GET with Observe: 1 and the registration's token.
    for (const o of all) o.active = false;
    const wait = new Promise<void>((r) => setTimeout(r, DEREGISTER_WAIT_MS).unref());
    await Promise.race([
      Promise.all(all.map(async (o) => {
        const r = await this.observeRequest(o, 1);
        this.code('observe', r ? 'deregistered' : 'deregistration_unanswered');
      })),
      wait,
    ]);
  }
}

function maxAgeOf(packet: ParsedPacket): number {
  const v = option(packet, 'Max-Age');
  // §5.10.5: Max-Age defaults to 60 seconds.
  return (v === undefined ? 60 : decodeUint(v)) * 1000;
}

/** 'coap://h:p/path' → that server; '/path' → the device's target. */
function splitFilter(filter: string, targetUrl: string): { url: string; path: string } {
  if (!filter.startsWith('coap://')) return { url: targetUrl, path: filter.startsWith('/') ? filter : `/${filter}` };
  const u = new URL(filter);
  return { url: `coap://${u.host}`, path: `${u.pathname}${u.search}` };
}

/** §6.1 coap URI → address and port (default 5683); host names are resolved once. */
export async function resolvePeer(url: string): Promise<Peer> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FleetbenchError(ErrorCodes.TARGET_INVALID, `${JSON.stringify(url)} is not a coap:// URL`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port === '' ? 5683 : Number(u.port);
  if (isIP(host)) return { address: host, port };
  try {
    const { address } = await lookup(host);
    return { address, port };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    throw new FleetbenchError(ErrorCodes.CONNECT_REFUSED, `cannot resolve ${host} for ${url} (${code})`, { reasonCode: code, cause: err });
  }
}

export { peerKey };
