// One virtual WebSocket bridge client: its own connection, a window of publishes awaiting
// 'published', subscriptions confirmed by id, and bytes counted at its TCP socket (Upgrade
// request and response, frame headers and masks included).
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { nowUs } from '../../metrics/clock.ts';
import { emptyWire, type WireTotalsByKind } from '../../power/wire.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { addSecure, TlsMeter } from '../tls-meter.ts';
import { type ClientFrame, parseBridgeFrame } from './bridge-protocol.ts';
import { WS_CODES } from './codes.ts';
import { openWebSocket } from './connect.ts';
import { lossOf } from './loss.ts';
import type { ResolvedWsOptions } from './options.ts';

const C = WS_CODES.keys;

/** Sends are refused while this many bytes wait in the connection's send buffer. */
const BACKPRESSURE_BYTES = 1 << 20;
const OPEN = 1;
const CLOSED = 3;
/** How long a graceful close waits for the bridge's Close frame (RFC 6455 §5.5.1) before dropping the socket. */
const CLOSE_WAIT_MS = 2000;

interface PendingSubscribe {
  filter: string;
  settle(err?: Error): void;
}

export class WsDevice implements DriverDevice {
  private ws: WebSocket | undefined;
  private socket: Socket | undefined;
  /** Bytes of earlier connections (a device that sleeps and reconnects). */
  private readonly earlier = { sent: 0, received: 0 };
  private closing = false;
  /** close() asked for it: publishes left unanswered are not in doubt from an outage. */
  private graceful = false;
  /** The errno of the current socket's last error: tells a reset from a plain end (close code 1006). */
  private socketError: string | undefined;
  private nextId = 1;
  /** Publishes awaiting 'published', by frame id. */
  private readonly unacked = new Map<number, OutgoingMessage>();
  private readonly subscribing = new Map<number, PendingSubscribe>();
  /** For the power model: connections, the Upgrade's bytes, frames each way. */
  private readonly traffic = {
    connections: 0,
    upgradeSent: 0,
    upgradeReceived: 0,
    framesSent: 0,
    framesReceived: 0,
    /** Answers the device waited for: 'published' to its publishes, 'subscribed' or 'error' to its requests. */
    answers: 0,
  };
  /** wss: the TLS handshakes counted and the session offered on the next connect. */
  private readonly tls: TlsMeter | undefined;

  constructor(
    private readonly init: DeviceInit<ResolvedWsOptions>,
    private readonly events: DeviceEvents,
  ) {
    this.tls = /^wss:/i.test(init.url) ? new TlsMeter({ resume: init.options.tls.resume }) : undefined;
  }

  get connected(): boolean {
    return this.ws?.readyState === OPEN && !this.closing;
  }

  get bytes(): { sent: number; received: number } {
    const s = this.socket;
    return { sent: this.earlier.sent + (s?.bytesWritten ?? 0), received: this.earlier.received + (s?.bytesRead ?? 0) };
  }

  /**
   * The HTTP Upgrade is the handshake; every frame (publish, answers, messages, Close) is data, one
   * segment each. Round trips: the 101 response to the Upgrade request (RFC 6455 §4.1: the client
   * waits for it before sending frames), a handshake wait per connection; each bridge answer to a
   * frame of the device's ('published', 'subscribed', or an 'error' naming its id), a data wait.
   * Messages the bridge pushes are not waits; nor is the closing handshake (§5.5.1), whose Close
   * frames are counted as data frames but priced with the connection's teardown.
   */
  get wire(): WireTotalsByKind {
    const t = this.traffic;
    const b = this.bytes;
    const w = emptyWire();
    w.connections = t.connections;
    w.tx.handshake = { packets: t.connections, bytes: t.upgradeSent };
    w.rx.handshake = { packets: t.connections, bytes: t.upgradeReceived };
    w.tx.data = { packets: t.framesSent, bytes: b.sent - t.upgradeSent };
    w.rx.data = { packets: t.framesReceived, bytes: b.received - t.upgradeReceived };
    w.waits.handshake = t.connections;
    w.waits.data = t.answers;
    if (this.tls) addSecure(w.secure, this.tls.totals);
    return w;
  }

  async connect(): Promise<number> {
    this.retire();
    this.closing = false;
    this.graceful = false;
    this.socketError = undefined;
    const started = nowUs();
    await openWebSocket({
      url: this.init.url,
      options: this.init.options,
      timeoutMs: this.init.connectTimeoutMs,
      localAddress: this.init.localAddress,
      onSocket: (socket) => {
        this.socket = socket;
        socket.on('error', (err: NodeJS.ErrnoException) => {
          if (this.socket === socket) this.socketError = err.code;
        });
      },
      onOpen: (ws) => this.watch(ws),
      meter: this.tls,
    });
    this.traffic.connections++;
    this.traffic.upgradeSent += this.socket?.bytesWritten ?? 0;
    this.traffic.upgradeReceived += this.socket?.bytesRead ?? 0;
    return nowUs() - started;
  }

  subscribe(filters: readonly string[]): Promise<void> {
    if (!this.connected)
      return Promise.reject(
        Object.assign(new Error(`${this.init.clientId}: subscribe while not connected`), { code: 'ws.not_connected' }),
      );
    return new Promise((resolve, reject) => {
      let left = filters.length;
      let settled = false;
      const ids: number[] = [];
      const done = (err?: Error): void => {
        if (settled || (err === undefined && --left > 0)) return;
        settled = true;
        clearTimeout(timer);
        for (const id of ids) this.subscribing.delete(id);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          done(
            Object.assign(
              new Error(`${this.init.clientId}: no 'subscribed' answer within ${this.init.connectTimeoutMs}ms`),
              { code: 'ws.subscribe_timeout' },
            ),
          ),
        this.init.connectTimeoutMs,
      );
      if (left === 0) return done();
      for (const filter of filters) {
        const id = this.nextId++;
        ids.push(id);
        this.subscribing.set(id, { filter, settle: done });
        this.write({ type: 'subscribe', topic: filter, id });
      }
    });
  }

  send(message: OutgoingMessage): SendOutcome {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || this.closing) return 'not_connected';
    if (this.unacked.size >= this.init.options.inflight) return 'window_full';
    if (ws.bufferedAmount > BACKPRESSURE_BYTES) return 'backpressure';
    const id = this.nextId++;
    this.unacked.set(id, message);
    this.write({ type: 'publish', topic: message.topic, payload: message.payload.toString('base64'), id });
    return 'sent';
  }

  close(): Promise<void> {
    this.closing = true;
    this.graceful = true;
    const ws = this.ws;
    if (!ws || ws.readyState === CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      // RFC 6455 §7.4.1: 1000, normal closure.
      ws.close(1000);
    });
  }

  kill(): void {
    this.closing = true;
    this.settleAll(killedError(this.init.clientId));
    this.ws?.terminate();
  }

  private write(frame: ClientFrame): void {
    (this.ws as WebSocket).send(JSON.stringify(frame));
    this.traffic.framesSent++;
    this.events.onCode(C.frame.sent);
  }

  private watch(ws: WebSocket): void {
    this.ws = ws;
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      this.events.onError(
        typeof code === 'string' ? `ws.${code}` : 'ws.socket_error',
        `${this.init.clientId}: ${err.message}`,
      );
    });
    ws.on('close', (code, reason) => {
      this.settleAll(
        Object.assign(
          new Error(
            `${this.init.clientId}: connection closed (close code ${code}) before the subscription was confirmed`,
          ),
          { code: `ws.closed_${code}` },
        ),
      );
      if (this.closing) return;
      this.events.onCode(C.close.of(code));
      const { key, message, cause } = lossOf(code, reason.toString(), this.socketError);
      this.events.onDisconnect(key, `${this.init.clientId}: ${message}`, cause);
    });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    const receivedUs = nowUs();
    const events = this.events;
    this.traffic.framesReceived++;
    events.onCode(C.frame.received);
    const f = isBinary ? undefined : parseBridgeFrame(data.toString());
    switch (f?.type) {
      case 'message':
        if (typeof f.topic !== 'string' || typeof f.payload !== 'string') break;
        events.onMessage({ topic: f.topic, payload: Buffer.from(f.payload, 'base64'), receivedUs, retained: false });
        return;
      case 'published': {
        const message = this.unacked.get(f.id);
        if (!message) break;
        this.unacked.delete(f.id);
        this.traffic.answers++;
        events.onAck(message, receivedUs, undefined);
        return;
      }
      case 'subscribed': {
        const pending = f.id === undefined ? undefined : this.subscribing.get(f.id);
        if (!pending) break;
        this.subscribing.delete(f.id as number);
        this.traffic.answers++;
        events.onCode(C.subscribed.ok);
        pending.settle();
        return;
      }
      case 'unsubscribed':
        return;
      case 'error':
        this.onErrorFrame(f.code, f.message, f.id);
        return;
    }
    events.onCode(C.frame.invalid);
    events.onError(
      'ws.bad_frame',
      `${this.init.clientId}: not a bridge frame, or an answer to no request: ${data.subarray(0, 120).toString()}`,
    );
  }

  private onErrorFrame(rawCode: unknown, message: unknown, id: number | undefined): void {
    const code = typeof rawCode === 'string' && rawCode.length > 0 ? rawCode : 'unknown';
    const text = typeof message === 'string' ? message : '';
    this.events.onCode(C.error.of(code));
    const pending = id === undefined ? undefined : this.subscribing.get(id);
    if (pending || (id !== undefined && this.unacked.has(id))) this.traffic.answers++;
    if (pending) {
      // The runner counts the rejected subscribe itself.
      pending.settle(
        Object.assign(
          new Error(
            `${this.init.clientId}: subscription to ${JSON.stringify(pending.filter)} refused: ${code}: ${text}`,
          ),
          { code: `ws.${code}` },
        ),
      );
      return;
    }
    if (id !== undefined) this.unacked.delete(id);
    this.events.onError(`ws.${code}`, `${this.init.clientId}: ${text || code}`);
  }

  private settleAll(err: Error): void {
    for (const p of [...this.subscribing.values()]) p.settle(err);
    this.subscribing.clear();
    // Publishes never answered: counted, since the bridge may or may not have passed them on.
    // The bridge protocol has no session to resend them in: after a lost or killed
    // connection they are in doubt.
    const n = this.unacked.size;
    this.unacked.clear();
    if (n === 0) return;
    this.events.onCode(C.publish.unanswered, n);
    if (!this.graceful) this.events.onInDoubt(n);
  }

  /** Before reconnecting: keep the old connection's byte counts. */
  private retire(): void {
    const old = this.bytes;
    this.earlier.sent = old.sent;
    this.earlier.received = old.received;
    this.socket = undefined;
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    // A close event that has not come yet (connect() right after kill()) will not come now.
    this.settleAll(killedError(this.init.clientId));
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    ws.terminate();
  }
}

function killedError(clientId: string): Error {
  return Object.assign(new Error(`${clientId}: connection dropped before the subscription was confirmed`), {
    code: 'ws.killed',
  });
}
