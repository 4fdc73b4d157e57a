// One CoAP endpoint: a UDP socket and the RFC 7252 message layer on top of it: Message IDs
// (§4.4), tokens (§5.3.1), confirmable retransmission with exponential back-off (§4.2),
// duplicate detection per remote endpoint with cached replies (§4.5), Reset for messages that
// cannot be processed (§4.2, §4.3), and exact byte and datagram counts. Clients, virtual
// sensors serving resources and the embedded server all sit on this class.
import { createSocket, Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { nowUs } from '../../metrics/clock.ts';
import { generate, type ParsedPacket, parse } from './codec.ts';
import type { TransmissionParameters } from './options.ts';

/**
 * What the endpoint needs of its socket: a UDP socket, or a DTLS session to one peer (dtls.ts),
 * which hands over decrypted CoAP datagrams and encrypts what is sent.
 */
export interface DatagramSocket {
  on(event: 'message', listener: (buf: Buffer, rinfo: Peer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  send(buf: Buffer, port: number, address: string): void;
  close(callback: () => void): void;
}

export interface Peer {
  address: string;
  port: number;
}

export function peerKey(peer: Peer): string {
  return `${peer.address}|${peer.port}`;
}

export interface ConfirmableHandlers {
  /** The matching ACK (empty, or carrying a piggybacked response). */
  onAck(ack: ParsedPacket, atUs: number): void;
  onReset(atUs: number): void;
  /** MAX_RETRANSMIT retransmissions went unanswered (§4.2). */
  onTimeout(): void;
  onRetransmit(retransmission: number): void;
}

export interface EndpointEvents {
  /** A CON or NON message seen for the first time (requests, responses, notifications). */
  onMessage(packet: ParsedPacket, peer: Peer, atUs: number): void;
  /** An ACK or RST that matches no outstanding CON (late, duplicated, or answering a NON). */
  onUnmatched?(packet: ParsedPacket, peer: Peer, atUs: number): void;
  /** A CON or NON seen before from the same endpoint with the same Message ID (§4.5). */
  onDuplicate?(packet: ParsedPacket, peer: Peer): void;
  onMalformed?(peer: Peer): void;
  /** A message forgotten before EXCHANGE_LIFETIME because the duplicate memory was full: a later duplicate of it would pass. */
  onDedupEvicted?(): void;
  onSocketError?(err: Error): void;
}

interface Outstanding {
  buf: Buffer;
  peer: Peer;
  retransmits: number;
  timeoutMs: number;
  timer: NodeJS.Timeout;
  handlers: ConfirmableHandlers;
}

interface Seen {
  atMs: number;
  /** The reply sent for this message, re-sent when a CON duplicate arrives (§4.5). */
  reply: Buffer | undefined;
}

export interface EndpointInit {
  type: 'udp4' | 'udp6';
  transmission: TransmissionParameters;
  random: () => number;
  /** How long a message is remembered for duplicate detection: EXCHANGE_LIFETIME (§4.8.2). */
  dedupLifetimeMs: number;
  /** Most messages remembered; the oldest are forgotten first beyond this (memory bound). */
  dedupCapacity: number;
  events: EndpointEvents;
  /** A socket already connected to its peer (coaps://: a DTLS session); bind() is then not needed. */
  socket?: DatagramSocket;
}

export class Endpoint {
  readonly socket: DatagramSocket;
  bytesSent = 0;
  bytesReceived = 0;
  datagramsSent = 0;
  datagramsReceived = 0;
  private messageId: number;
  private token: number;
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly seen = new Map<string, Seen>();
  private readonly peerMessageIds = new Map<string, number>();
  private closed = false;

  constructor(private readonly init: EndpointInit) {
    this.socket = init.socket ?? createSocket({ type: init.type });
    // §4.4: Message IDs start at a random value and increment.
    this.messageId = Math.floor(init.random() * 0x10000);
    this.token = Math.floor(init.random() * 0x100000000) >>> 0;
    this.socket.on('message', (buf, rinfo) => this.receive(buf, { address: rinfo.address, port: rinfo.port }));
    this.socket.on('error', (err) => init.events.onSocketError?.(err));
  }

  bind(port = 0, address?: string): Promise<Peer> {
    const socket = this.socket;
    if (!(socket instanceof Socket)) return Promise.reject(new Error('a DTLS session is bound when it opens'));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      socket.once('error', onError);
      socket.bind(port, address, () => {
        socket.off('error', onError);
        const a = socket.address();
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  /**
   * §4.4: a Message ID must not be reused with the same endpoint within EXCHANGE_LIFETIME. A
   * client talks to one server and counts once; a server counts per peer, because one counter
   * shared by thousands of peers wraps in seconds and would repeat IDs to each of them.
   */
  nextMessageId(peer?: Peer): number {
    if (!peer) {
      this.messageId = (this.messageId + 1) & 0xffff;
      return this.messageId;
    }
    const key = peerKey(peer);
    const next = ((this.peerMessageIds.get(key) ?? Math.floor(this.init.random() * 0x10000)) + 1) & 0xffff;
    // Re-inserted so the map's order is least recently used first; bounded like the duplicate memory.
    this.peerMessageIds.delete(key);
    this.peerMessageIds.set(key, next);
    if (this.peerMessageIds.size > this.init.dedupCapacity)
      this.peerMessageIds.delete(this.peerMessageIds.keys().next().value as string);
    return next;
  }

  /**
   * §5.3.1: tokens need only be unique among this endpoint's concurrent requests; a 32-bit
   * counter from a random start is, and costs no entropy per request.
   */
  nextToken(): Buffer {
    this.token = (this.token + 1) >>> 0;
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(this.token, 0);
    return b;
  }

  get outstandingCount(): number {
    return this.outstanding.size;
  }

  send(buf: Buffer, peer: Peer): void {
    if (this.closed) return;
    this.bytesSent += buf.length;
    this.datagramsSent++;
    this.socket.send(buf, peer.port, peer.address);
  }

  /**
   * §4.2: send a CON and retransmit it until an ACK or RST arrives. The first timeout is random
   * in [ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR]; each retransmission doubles it; after
   * MAX_RETRANSMIT retransmissions the next timeout gives up.
   */
  sendConfirmable(buf: Buffer, messageId: number, peer: Peer, handlers: ConfirmableHandlers): void {
    const t = this.init.transmission;
    const timeoutMs = t.ackTimeoutMs * (1 + this.init.random() * (t.ackRandomFactor - 1));
    const key = `${peerKey(peer)}|${messageId}`;
    const entry: Outstanding = {
      buf,
      peer,
      retransmits: 0,
      timeoutMs,
      handlers,
      timer: setTimeout(() => this.expire(key), timeoutMs),
    };
    this.outstanding.set(key, entry);
    this.send(buf, peer);
  }

  /** Stops retransmitting a CON (the exchange was abandoned). */
  cancel(peer: Peer, messageId: number): void {
    const key = `${peerKey(peer)}|${messageId}`;
    const entry = this.outstanding.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.outstanding.delete(key);
  }

  /** Answers a CON or NON and remembers the answer, so a duplicate of it gets the same one (§4.5). */
  reply(to: ParsedPacket, peer: Peer, buf: Buffer): void {
    const seen = this.seen.get(`${peerKey(peer)}|${to.messageId}`);
    if (seen) seen.reply = buf;
    this.send(buf, peer);
  }

  /** §4.2: an empty ACK for a CON (e.g. a separate response or a CON notification). */
  acknowledge(to: ParsedPacket, peer: Peer): void {
    this.reply(
      to,
      peer,
      generate({ code: '0.00', ack: true, messageId: to.messageId, token: Buffer.alloc(0), options: [] }),
    );
  }

  /** §4.2/§4.3: reject a message with a Reset carrying its Message ID. */
  reset(messageId: number, peer: Peer): void {
    this.send(generate({ code: '0.00', reset: true, messageId, token: Buffer.alloc(0), options: [] }), peer);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const o of this.outstanding.values()) clearTimeout(o.timer);
    this.outstanding.clear();
    this.seen.clear();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private expire(key: string): void {
    const o = this.outstanding.get(key);
    if (!o) return;
    if (o.retransmits >= this.init.transmission.maxRetransmit) {
      this.outstanding.delete(key);
      o.handlers.onTimeout();
      return;
    }
    o.retransmits++;
    o.timeoutMs *= 2;
    o.timer = setTimeout(() => this.expire(key), o.timeoutMs);
    this.send(o.buf, o.peer);
    o.handlers.onRetransmit(o.retransmits);
  }

  private receive(buf: Buffer, peer: Peer): void {
    const atUs = nowUs();
    this.bytesReceived += buf.length;
    this.datagramsReceived++;
    let packet: ParsedPacket;
    try {
      packet = parse(buf);
    } catch {
      this.init.events.onMalformed?.(peer);
      // §4.2: a CON that cannot be parsed is rejected with RST when its header is readable.
      if (buf.length >= 4 && buf[0] !== undefined && buf[0] >> 6 === 1 && ((buf[0] >> 4) & 3) === 0)
        this.reset(buf.readUInt16BE(2), peer);
      return;
    }
    if (packet.ack || packet.reset) {
      const key = `${peerKey(peer)}|${packet.messageId}`;
      const o = this.outstanding.get(key);
      if (!o) {
        this.init.events.onUnmatched?.(packet, peer, atUs);
        return;
      }
      clearTimeout(o.timer);
      this.outstanding.delete(key);
      if (packet.ack) o.handlers.onAck(packet, atUs);
      else o.handlers.onReset(atUs);
      return;
    }
    // §4.3: an empty CON is a ping, answered by RST; an empty NON is rejected (silently here).
    if (packet.code === '0.00') {
      if (packet.confirmable) this.reset(packet.messageId, peer);
      return;
    }
    const key = `${peerKey(peer)}|${packet.messageId}`;
    const seen = this.seen.get(key);
    if (seen) {
      // §4.5: a duplicate CON gets the same ACK (or piggybacked response) again; a duplicate NON is ignored.
      this.init.events.onDuplicate?.(packet, peer);
      if (packet.confirmable && seen.reply) this.send(seen.reply, peer);
      return;
    }
    this.remember(key);
    this.init.events.onMessage(packet, peer, atUs);
  }

  private remember(key: string): void {
    const now = performance.now();
    // Insertion order is age order: forget from the front.
    for (const [k, s] of this.seen) {
      if (now - s.atMs < this.init.dedupLifetimeMs && this.seen.size < this.init.dedupCapacity) break;
      if (now - s.atMs < this.init.dedupLifetimeMs) this.init.events.onDedupEvicted?.();
      this.seen.delete(k);
    }
    this.seen.set(key, { atMs: now, reply: undefined });
  }
}
