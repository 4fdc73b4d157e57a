// One virtual HTTP device, in one of two roles:
//  - client: every send is one POST/PUT of the stamped payload to the target; the complete
//    response closes it. With keepAlive the device holds one persistent connection (RFC 9112
//    §9.3), reopened when the server closes it while idle; without, each request has its own
//    connection. A connection ended by the server or the network with requests outstanding,
//    or a refused reopen, is the device's lost connection (onDisconnect; connect() again).
//  - receiver (`listen`): the device is an HTTP server on listen.port + index (a webhook
//    endpoint); every POST/PUT body it gets is a received message.
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import { nowUs } from '../../metrics/clock.ts';
import { emptyWire, type WireTotalsByKind } from '../../power/wire.ts';
import { connectFailure } from '../connect-errors.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { addSecure, TlsMeter } from '../tls-meter.ts';
import { HTTP_CODES } from './codes.ts';
import { ClientConnection, type ConnectionEvents, type Failure } from './connection.ts';
import type { ResolvedHttpOptions } from './options.ts';
import { type HttpTarget, parseTarget, requestWriter } from './request.ts';
import { HttpListener } from './server.ts';

const C = HTTP_CODES.keys;

/** Socket errors that mean the peer or the network reset the connection. */
const RESET = new Set(['ECONNRESET', 'EPIPE']);

/** How long close() waits for responses still outstanding before abandoning them. */
const CLOSE_GRACE_MS = 2000;

export class HttpDevice implements DriverDevice {
  /** Bytes this device's client connections wrote and read (request and response bytes exactly). */
  private readonly counted = { sent: 0, received: 0 };
  /** Client connections opened (probes excluded), requests written and responses read, for the power model. */
  private readonly traffic = { connections: 0, requests: 0, responses: 0 };
  private target: HttpTarget | undefined;
  private write: ((path: string, body: Buffer) => Buffer) | undefined;
  /** keepAlive: the persistent connection, replaced when it closes. */
  private persistent: ClientConnection | undefined;
  private readonly open = new Set<ClientConnection>();
  private listener: HttpListener | undefined;
  /** A killed listener's close, awaited before listening on its port again. */
  private unlistening: Promise<void> | undefined;
  private isConnected = false;
  private closing = false;
  private readonly connectionEvents: ConnectionEvents;
  /** https: the TLS handshakes counted and the session offered on the next connection. */
  private tls: TlsMeter | undefined;

  constructor(
    private readonly init: DeviceInit<ResolvedHttpOptions>,
    private readonly events: DeviceEvents,
  ) {
    this.connectionEvents = {
      onConnected: () => {
        this.traffic.connections++;
        events.onCode(C.tcp.connect);
      },
      onResponse: (message, response, atUs) => {
        this.traffic.responses++;
        events.onCode(C.response.of(response.status));
        // RFC 9110 §15.3: only a 2xx says the server accepted the body; anything else is counted by status.
        if (response.status >= 200 && response.status < 300) events.onAck(message, atUs, response.status);
        else
          events.onError(
            `http.status_${response.status}`,
            `${this.init.clientId}: ${this.init.options.method} ${message.topic} answered ${response.status}`,
          );
      },
      onFailure: (message, failure) => this.failure(message, failure),
      onLost: (messages, loss) => this.lost(messages, loss),
      onClose: (connection, byPeer) => {
        this.open.delete(connection);
        if (this.persistent === connection) this.persistent = undefined;
        if (byPeer && !this.closing) events.onCode(C.tcp.closed_by_server);
      },
    };
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Receivers: the bytes their server read and wrote; clients: their connections'. */
  get bytes(): { sent: number; received: number } {
    return this.listener ? this.listener.bytes : this.counted;
  }

  /**
   * Clients: every request and response is one data exchange (headers and body, each assumed to
   * fit one TCP segment), and every response ends one round trip (RFC 9110 §3.4: a client sends
   * a request and waits for its response), a data wait.
   */
  get wire(): WireTotalsByKind | undefined {
    if (this.listener) return undefined;
    const w = emptyWire();
    w.connections = this.traffic.connections;
    w.tx.data = { packets: this.traffic.requests, bytes: this.counted.sent };
    w.rx.data = { packets: this.traffic.responses, bytes: this.counted.received };
    w.waits.data = this.traffic.responses;
    if (this.tls) addSecure(w.secure, this.tls.totals);
    return w;
  }

  /**
   * Receivers: starts listening; the latency is the time to bind. Clients with keepAlive: opens
   * the persistent connection; the latency is the TCP connect (and TLS handshake). Without
   * keepAlive: proves the target accepts connections with one that is closed at once (no
   * request); every request then opens its own.
   */
  async connect(): Promise<number> {
    const { options, index, url, connectTimeoutMs } = this.init;
    this.closing = false;
    if (options.listen) {
      const t0 = nowUs();
      const port = options.listen.port + index;
      const listener = new HttpListener(() => options.status, this.events);
      await this.unlistening;
      try {
        await listener.listen(port, options.listen.host);
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new FleetbenchError(
          ErrorCodes.CONNECT_REFUSED,
          `http listen ${options.listen.host}:${port}: cannot listen: ${(err as Error).message}`,
          { reasonCode: code ?? 'LISTEN', cause: err },
        );
      }
      this.listener = listener;
      this.isConnected = true;
      return nowUs() - t0;
    }
    this.target = { ...parseTarget(url), ...(this.init.localAddress ? { localAddress: this.init.localAddress } : {}) };
    this.write = requestWriter(this.target, options);
    const connection = this.connection(!options.keepAlive);
    let timer: NodeJS.Timeout | undefined;
    try {
      const us = await Promise.race([
        connection.ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new FleetbenchError(
                  ErrorCodes.CONNECT_TIMEOUT,
                  `${maskUrl(url)}: no TCP connection within ${connectTimeoutMs}ms (connect timeout)`,
                  { reasonCode: 'TIMEOUT' },
                ),
              ),
            connectTimeoutMs,
          );
        }),
      ]);
      if (options.keepAlive) this.persistent = connection;
      else connection.end();
      this.isConnected = true;
      return us;
    } catch (err) {
      connection.destroy();
      throw err instanceof FleetbenchError ? err : connectFailure(maskUrl(url), err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Nothing to subscribe to: a receiver gets whatever is sent to it. */
  async subscribe(): Promise<void> {}

  send(message: OutgoingMessage): SendOutcome {
    if (!this.isConnected || this.closing || !this.write) return 'not_connected';
    const { options } = this.init;
    if (this.outstanding() >= options.inflight) return 'window_full';
    let connection: ClientConnection;
    if (options.keepAlive) {
      // §9.3.2: with inflight > 1, requests are pipelined on the one connection.
      if (!this.persistent?.usable) this.persistent = this.connection();
      connection = this.persistent;
    } else connection = this.connection();
    connection.request(message, this.write(message.topic, message.payload));
    this.traffic.requests++;
    return 'sent';
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.isConnected = false;
    const until = Date.now() + Math.min(CLOSE_GRACE_MS, this.init.options.timeoutMs);
    while (this.outstanding() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const connections = [...this.open];
    for (const c of connections) c.end();
    // A server that never closes its side must not hold shutdown.
    await Promise.race([
      Promise.all(connections.map((c) => c.whenClosed())),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
    for (const c of connections) c.destroy();
    await this.listener?.close();
  }

  kill(): void {
    this.closing = true;
    this.isConnected = false;
    // Requests written and not answered: the server may have taken them (HTTP has no session to resend in).
    const outstanding = this.outstanding();
    if (outstanding > 0) this.events.onInDoubt(outstanding);
    for (const c of this.open) c.destroy();
    this.unlistening = this.listener?.close();
  }

  private outstanding(): number {
    let n = 0;
    for (const c of this.open) n += c.outstanding;
    return n;
  }

  /** A new connection; a `probe` (reachability without keepAlive) is not counted as one of the device's connections. */
  private connection(probe = false): ClientConnection {
    const events = probe
      ? { ...this.connectionEvents, onConnected: () => this.events.onCode(C.tcp.probe) }
      : this.connectionEvents;
    const target = this.target as HttpTarget;
    // A probe's handshake is not one of the device's, nor is its session offered later.
    if (target.secure && !probe) this.tls ??= new TlsMeter({ resume: this.init.options.tls.resume });
    const meter = target.secure && !probe ? this.tls : undefined;
    const c = new ClientConnection(target, this.init.options, this.counted, events, meter);
    this.open.add(c);
    return c;
  }

  /**
   * A connection the server or the network ended with requests outstanding: the device's
   * connection is lost (reported once, until connect() again). Requests on a connection that
   * had connected may have been processed without an answer: in doubt. Requests on one that never
   * connected (refused: the server is down) never left and are failed, not in doubt.
   */
  private lost(
    messages: OutgoingMessage[],
    loss: { established: boolean; code: string | undefined; text: string },
  ): void {
    const { events } = this;
    events.onCode(C.http.connection_failed, messages.length);
    if (loss.established) events.onInDoubt(messages.length);
    if (!this.isConnected || this.closing) return;
    this.isConnected = false;
    const cause = !loss.established
      ? 'error'
      : loss.code === undefined
        ? 'closed'
        : RESET.has(loss.code)
          ? 'reset'
          : 'error';
    events.onDisconnect(
      `http.${loss.code ?? 'connection_closed'}`,
      `${this.init.clientId}: ${loss.text} (${messages.length} request${messages.length === 1 ? '' : 's'} unanswered)`,
      cause,
    );
  }

  private failure(message: OutgoingMessage, failure: Failure): void {
    const { events } = this;
    const who = `${this.init.clientId}: ${this.init.options.method} ${message.topic}`;
    switch (failure.kind) {
      case 'timeout':
        events.onCode(C.http.timeout);
        events.onError('http.timeout', `${who}: no complete response within ${this.init.options.timeoutMs}ms`);
        break;
      case 'closed':
        events.onCode(C.http.connection_failed);
        events.onError(`http.${failure.code ?? 'connection_closed'}`, `${who}: ${failure.text}`);
        break;
      case 'malformed':
        events.onCode(C.http.malformed_response);
        events.onError('http.malformed_response', `${who}: ${failure.text}`);
        break;
      case 'abandoned':
        events.onCode(C.http.abandoned);
        break;
    }
  }
}
