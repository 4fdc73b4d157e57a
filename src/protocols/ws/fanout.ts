// Subscription and fan-out for the JSON WebSocket bridge protocol (bridge-protocol.ts), shared
// by the embedded hub and the reference gateway's WebSocket side: clients subscribe with MQTT
// filters, and every publish reaches each client whose filters match, once. A client that
// reads too slowly has a bounded send buffer: a message that would exceed it is not sent, and
// that is counted and told to the client (an 'overflow' error frame) rather than hidden.
import type { WebSocket, WebSocketServer } from 'ws';
import { levelsMatch } from '../topics.ts';
import { type BridgeFrame, type ClientFrame, messageFrame, parseClientFrame } from './bridge-protocol.ts';
import { filterProblem, topicProblem } from './filters.ts';

export interface WsFanoutOptions {
  /** Bytes waiting in a client's send buffer beyond which a message to it overflows (default 4 MiB). */
  maxBufferedBytes?: number;
  /**
   * What a client's publish does. Default: `publish()` here (a hub). A gateway forwards it
   * upstream instead: resolving answers 'published' (when the frame had an id), rejecting
   * answers an error frame 'publish_failed' with the error's message.
   */
  onPublish?: (topic: string, payload: Buffer) => void | Promise<void>;
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

const DEFAULT_MAX_BUFFERED_BYTES = 4 << 20;
/** Room beyond the send buffer limit for the 'overflow' error frames themselves; past it an overflow is only counted. */
const ERROR_HEADROOM_BYTES = 64 << 10;

const OPEN = 1;

export class WsFanout {
  private readonly maxBuffered: number;
  /** filter → its levels (split once, when first subscribed) and the clients holding it. */
  private readonly byFilter = new Map<string, { levels: string[]; holders: Set<WebSocket> }>();
  /** client → its filters. */
  private readonly clients = new Map<WebSocket, Set<string>>();
  private readonly counts = {
    connections: 0,
    subscriptions: 0,
    framesReceived: 0,
    framesSent: 0,
    published: 0,
    delivered: 0,
    overflow: 0,
    overflowUnreported: 0,
  };
  private readonly errors: Record<string, number> = {};
  private readonly listener = (socket: WebSocket): void => this.add(socket);
  private readonly attached = new Set<WebSocketServer>();
  /** publish()'s recipients, reused (and emptied) by every call: a client is sent a message once however many of its filters match. */
  private readonly targets = new Set<WebSocket>();

  constructor(private readonly options: WsFanoutOptions = {}) {
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  /** Serves every connection `wss` accepts. */
  attach(wss: WebSocketServer): void {
    this.attached.add(wss);
    wss.on('connection', this.listener);
  }

  /** Serves one accepted connection (for servers that accept connections themselves, e.g. after authentication). */
  add(socket: WebSocket): void {
    this.counts.connections++;
    const own = new Set<string>();
    this.clients.set(socket, own);
    socket.on('message', (data, isBinary) => this.onFrame(socket, own, data as Buffer, isBinary));
    // A client vanishing mid-frame surfaces as an error, then 'close'.
    socket.on('error', () => undefined);
    socket.on('close', () => this.remove(socket));
  }

  /** Sends a message to every client with a matching filter, once each; returns how many it was queued to. */
  publish(topic: string, payload: Buffer): number {
    this.counts.published++;
    const levels = topic.split('/');
    const dollar = topic.startsWith('$');
    const targets = this.targets;
    try {
      for (const filter of this.byFilter.values()) {
        if (levelsMatch(filter.levels, levels, dollar)) for (const c of filter.holders) targets.add(c);
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
    } finally {
      targets.clear();
    }
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

  private onFrame(client: WebSocket, own: Set<string>, data: Buffer, isBinary: boolean): void {
    this.counts.framesReceived++;
    if (isBinary) {
      this.error(client, 'bad_request', 'expected text frames holding JSON, got a binary frame', undefined);
      return;
    }
    const frame = parseClientFrame(data.toString());
    if ('error' in frame) {
      this.error(client, 'bad_request', frame.error, undefined);
      return;
    }
    switch (frame.type) {
      case 'subscribe':
        this.subscribe(client, own, frame);
        return;
      case 'unsubscribe':
        this.unsubscribe(client, frame.topic);
        // JSON.stringify leaves out an undefined id.
        this.reply(client, { type: 'unsubscribed', topic: frame.topic, id: frame.id });
        return;
      case 'publish':
        this.clientPublish(client, frame);
        return;
    }
  }

  /** `own`: the client's filters (frames only arrive while it is connected). */
  private subscribe(client: WebSocket, own: Set<string>, frame: ClientFrame & { type: 'subscribe' }): void {
    const problem = filterProblem(frame.topic);
    if (problem) {
      this.error(client, 'bad_filter', `topic filter ${JSON.stringify(frame.topic)} ${problem} (MQTT §4.7)`, frame.id);
      return;
    }
    if (!own.has(frame.topic)) {
      own.add(frame.topic);
      let filter = this.byFilter.get(frame.topic);
      if (!filter) {
        filter = { levels: frame.topic.split('/'), holders: new Set() };
        this.byFilter.set(frame.topic, filter);
      }
      filter.holders.add(client);
      this.counts.subscriptions++;
    }
    this.reply(client, { type: 'subscribed', topic: frame.topic, id: frame.id });
  }

  private unsubscribe(client: WebSocket, filter: string): void {
    const own = this.clients.get(client);
    if (!own?.delete(filter)) return;
    this.counts.subscriptions--;
    const holders = this.byFilter.get(filter)?.holders;
    holders?.delete(client);
    if (holders?.size === 0) this.byFilter.delete(filter);
  }

  private clientPublish(client: WebSocket, frame: ClientFrame & { type: 'publish' }): void {
    const problem = topicProblem(frame.topic);
    if (problem) {
      this.error(client, 'bad_topic', `topic ${JSON.stringify(frame.topic)} ${problem} (MQTT §3.3.2)`, frame.id);
      return;
    }
    // RFC 4648 §4: Buffer.from(…, 'base64') skips what it cannot read, so check first: the bytes must arrive exactly.
    if (frame.payload.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(frame.payload)) {
      this.error(client, 'bad_request', 'payload is not base64 (RFC 4648 §4, padded)', frame.id);
      return;
    }
    const payload = Buffer.from(frame.payload, 'base64');
    const ack = (): void => {
      if (frame.id !== undefined) this.reply(client, { type: 'published', topic: frame.topic, id: frame.id });
    };
    const hook = this.options.onPublish;
    if (!hook) {
      this.publish(frame.topic, payload);
      ack();
      return;
    }
    Promise.resolve()
      .then(() => hook(frame.topic, payload))
      .then(ack, (err: unknown) =>
        this.error(
          client,
          'publish_failed',
          `cannot publish to ${JSON.stringify(frame.topic)}: ${(err as Error)?.message ?? String(err)}`,
          frame.id,
        ),
      );
  }

  private overflow(client: WebSocket, topic: string, size: number): void {
    this.counts.overflow++;
    const limit = this.maxBuffered + ERROR_HEADROOM_BYTES;
    // Already past the headroom: no error frame can fit (its text is never empty), so none is built.
    if (client.bufferedAmount >= limit) {
      this.counts.overflowUnreported++;
      return;
    }
    const text = JSON.stringify({
      type: 'error',
      code: 'overflow',
      message: `a ${size}-byte message on ${topic} was not sent: ${client.bufferedAmount} bytes already wait for this client (limit ${this.maxBuffered})`,
    } satisfies BridgeFrame);
    if (client.bufferedAmount + Buffer.byteLength(text) > limit) {
      this.counts.overflowUnreported++;
      return;
    }
    this.send(client, text);
    this.errors.overflow = (this.errors.overflow ?? 0) + 1;
  }

  private error(client: WebSocket, code: string, message: string, id: number | undefined): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.reply(client, { type: 'error', code, message, id });
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
