// Subscription and fan-out for the JSON WebSocket bridge protocol (bridge-protocol.ts), shared
// by the embedded hub and the reference gateway's WebSocket side: clients subscribe with MQTT
// filters, and every publish reaches each client whose filters match, once. A client that
// reads too slowly has a bounded send buffer: a message that would exceed it is not sent, and
// that is counted and told to the client (an 'overflow' error frame) rather than hidden.
import type { WebSocket, WebSocketServer } from 'ws';
import { topicMatches } from '../topics.ts';
import { messageFrame, parseClientFrame, type BridgeFrame, type ClientFrame } from './bridge-protocol.ts';
import { filterProblem, topicProblem } from './filters.ts';

export interface WsFanoutOptions {
  /** Bytes waiting in a client's send buffer beyond which a message to it overflows (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Room beyond `maxBufferedBytes` for the 'overflow' error frames themselves (default 64 KiB); past it an overflow is only counted. */
  errorHeadroomBytes?: number;
  /**
   * What a client's publish does. Default: `publish()` here (a hub). A gateway forwards it
   * upstream instead: resolving answers 'published' (when the frame had an id), rejecting
   * answers an error frame 'publish_failed' with the error's message.
   */
  onPublish?: (topic: string, payload: Buffer) => void | Promise<void>;
  /** Called before a subscription is confirmed (a gateway subscribes upstream); rejecting answers 'subscribe_failed'. */
  onSubscribe?: (filter: string) => void | Promise<void>;
  /** Called when the last client holding `filter` unsubscribes or leaves. */
  onFilterUnused?: (filter: string) => void;
}

export interface WsFanoutStats {
  /** Clients connected now, and accepted in all. */
  clients: number;
  connections: number;
  /** Active (client, filter) subscriptions. */
  subscriptions: number;
  framesReceived: number;
  framesSent: number;
  /** publish() calls, local or from clients' publish frames. */
  published: number;
  /** Message frames queued to clients. */
  delivered: number;
  /** Messages not sent to a client because its send buffer was full. */
  overflow: number;
  /** Overflows for which not even the 'overflow' error frame fitted (the client cannot know). */
  overflowUnreported: number;
  /** Error frames sent, by code. */
  errors: Record<string, number>;
}

export const FANOUT_DEFAULTS = { maxBufferedBytes: 4 << 20, errorHeadroomBytes: 64 << 10 } as const;

const OPEN = 1;

export class WsFanout {
  private readonly maxBuffered: number;
  private readonly headroom: number;
  /** filter → the clients holding it. */
  private readonly byFilter = new Map<string, Set<WebSocket>>();
  /** client → its filters. */
  private readonly clients = new Map<WebSocket, Set<string>>();
  private readonly counts = { connections: 0, subscriptions: 0, framesReceived: 0, framesSent: 0, published: 0, delivered: 0, overflow: 0, overflowUnreported: 0 };
  private readonly errors: Record<string, number> = {};
  private readonly listener = (socket: WebSocket): void => this.add(socket);
  private readonly attached = new Set<WebSocketServer>();

  constructor(private readonly options: WsFanoutOptions = {}) {
    this.maxBuffered = options.maxBufferedBytes ?? FANOUT_DEFAULTS.maxBufferedBytes;
    this.headroom = options.errorHeadroomBytes ?? FANOUT_DEFAULTS.errorHeadroomBytes;
  }

  /** Serves every connection `wss` accepts. */
  attach(wss: WebSocketServer): void {
    this.attached.add(wss);
    wss.on('connection', this.listener);
  }

  /** Serves one accepted connection (for servers that accept connections themselves, e.g. after authentication). */
  add(socket: WebSocket): void {
    this.counts.connections++;
    this.clients.set(socket, new Set());
    socket.on('message', (data, isBinary) => this.onFrame(socket, data as Buffer, isBinary));
    // A client vanishing mid-frame surfaces as an error, then 'close'.
    socket.on('error', () => undefined);
    socket.on('close', () => this.remove(socket));
  }

  /** Sends a message to every client with a matching filter, once each; returns how many it was queued to. */
  publish(topic: string, payload: Buffer): number {
    this.counts.published++;
    const targets = new Set<WebSocket>();
    for (const [filter, holders] of this.byFilter) {
      if (topicMatches(filter, topic)) for (const c of holders) targets.add(c);
    }
    if (targets.size === 0) return 0;
    // Encoded once for every recipient: ws sends a Buffer as-is (as a text frame with binary: false).
    const frame = Buffer.from(messageFrame(topic, payload));
    let queued = 0;
    for (const client of targets) {
      if (client.readyState !== OPEN) continue;
      if (client.bufferedAmount + frame.length > this.maxBuffered) {
        this.overflow(client, topic, frame.length);
        continue;
      }
      client.send(frame, { binary: false });
      this.counts.framesSent++;
      queued++;
    }
    this.counts.delivered += queued;
    return queued;
  }

  /** The distinct filters some client holds. */
  filters(): string[] {
    return [...this.byFilter.keys()];
  }

  get stats(): WsFanoutStats {
    return { clients: this.clients.size, ...this.counts, errors: { ...this.errors } };
  }

  /** Stops serving: detaches from the servers and drops every client. */
  close(): void {
    for (const wss of this.attached) wss.off('connection', this.listener);
    this.attached.clear();
    for (const client of this.clients.keys()) client.terminate();
  }

  private onFrame(client: WebSocket, data: Buffer, isBinary: boolean): void {
    this.counts.framesReceived++;
    if (isBinary) return this.error(client, 'bad_request', 'expected text frames holding JSON, got a binary frame', undefined);
    const frame = parseClientFrame(data.toString());
    if ('error' in frame) return this.error(client, 'bad_request', frame.error, undefined);
    switch (frame.type) {
      case 'subscribe':
        return this.subscribe(client, frame);
      case 'unsubscribe':
        this.unsubscribe(client, frame.topic);
        return this.reply(client, frame.id === undefined ? { type: 'unsubscribed', topic: frame.topic } : { type: 'unsubscribed', topic: frame.topic, id: frame.id });
      case 'publish':
        return this.clientPublish(client, frame);
    }
  }

  private subscribe(client: WebSocket, frame: ClientFrame & { type: 'subscribe' }): void {
    const problem = filterProblem(frame.topic);
    if (problem) return this.error(client, 'bad_filter', `topic filter ${JSON.stringify(frame.topic)} ${problem} (MQTT §4.7)`, frame.id);
    const activate = (): void => {
      const own = this.clients.get(client);
      if (!own) return; // left while the hook ran
      if (!own.has(frame.topic)) {
        own.add(frame.topic);
        let holders = this.byFilter.get(frame.topic);
        if (!holders) this.byFilter.set(frame.topic, (holders = new Set()));
        holders.add(client);
        this.counts.subscriptions++;
      }
      this.reply(client, frame.id === undefined ? { type: 'subscribed', topic: frame.topic } : { type: 'subscribed', topic: frame.topic, id: frame.id });
    };
    const hook = this.options.onSubscribe;
    if (!hook) return activate();
    Promise.resolve()
      .then(() => hook(frame.topic))
      .then(activate, (err: unknown) => this.error(client, 'subscribe_failed', `cannot subscribe to ${JSON.stringify(frame.topic)}: ${(err as Error)?.message ?? String(err)}`, frame.id));
  }

  private unsubscribe(client: WebSocket, filter: string): void {
    const own = this.clients.get(client);
    if (!own?.delete(filter)) return;
    this.counts.subscriptions--;
    const holders = this.byFilter.get(filter);
    holders?.delete(client);
    if (holders?.size === 0) {
      this.byFilter.delete(filter);
      this.options.onFilterUnused?.(filter);
    }
  }

  private clientPublish(client: WebSocket, frame: ClientFrame & { type: 'publish' }): void {
    const problem = topicProblem(frame.topic);
    if (problem) return this.error(client, 'bad_topic', `topic ${JSON.stringify(frame.topic)} ${problem} (MQTT §3.3.2)`, frame.id);
    // RFC 4648 §4: Buffer.from(…, 'base64') skips what it cannot read, so check first: the bytes must arrive exactly.
    if (frame.payload.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(frame.payload)) return this.error(client, 'bad_request', 'payload is not base64 (RFC 4648 §4, padded)', frame.id);
    const payload = Buffer.from(frame.payload, 'base64');
    const ack = (): void => {
      if (frame.id !== undefined) this.reply(client, { type: 'published', topic: frame.topic, id: frame.id });
    };
    const hook = this.options.onPublish;
    if (!hook) {
      this.publish(frame.topic, payload);
      return ack();
    }
    Promise.resolve()
      .then(() => hook(frame.topic, payload))
      .then(ack, (err: unknown) => this.error(client, 'publish_failed', `cannot publish to ${JSON.stringify(frame.topic)}: ${(err as Error)?.message ?? String(err)}`, frame.id));
  }

  private overflow(client: WebSocket, topic: string, size: number): void {
    this.counts.overflow++;
    const text = JSON.stringify({ type: 'error', code: 'overflow', message: `a ${size}-byte message on ${topic} was not sent: ${client.bufferedAmount} bytes already wait for this client (limit ${this.maxBuffered})` } satisfies BridgeFrame);
    if (client.bufferedAmount + Buffer.byteLength(text) > this.maxBuffered + this.headroom) {
      this.counts.overflowUnreported++;
      return;
    }
    this.send(client, text);
    this.errors.overflow = (this.errors.overflow ?? 0) + 1;
  }

  private error(client: WebSocket, code: string, message: string, id: number | undefined): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.reply(client, id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id });
  }

  /** Answers to the client's own requests are always sent: their volume is bounded by what the client sends. */
  private reply(client: WebSocket, frame: BridgeFrame): void {
    this.send(client, JSON.stringify(frame));
  }

  private send(client: WebSocket, text: string): void {
    if (client.readyState !== OPEN) return;
    client.send(text);
    this.counts.framesSent++;
  }

  private remove(client: WebSocket): void {
    const own = this.clients.get(client);
    if (!own) return;
    for (const filter of [...own]) this.unsubscribe(client, filter);
    this.clients.delete(client);
  }
}
