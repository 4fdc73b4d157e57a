// One client connection (TCP, or TLS for https): requests written in order, responses matched
// to them first-in first-out (RFC 9112 §9.3.2), a timeout per request, and every byte written
// or read counted as it passes.
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { nowUs } from '../../metrics/clock.ts';
import type { OutgoingMessage } from '../driver.ts';
import { tlsConnectOptions } from '../tls.ts';
import type { TlsMeter } from '../tls-meter.ts';
import type { ResolvedHttpOptions } from './options.ts';
import type { HttpTarget } from './request.ts';
import { type ParsedResponse, ResponseParser } from './response-parser.ts';

/** Why a request got no response: it timed out, its connection failed or closed first, or the device stopped. */
export type Failure =
  | { kind: 'timeout' }
  | { kind: 'closed'; code: string | undefined; text: string }
  | { kind: 'malformed'; text: string }
  | { kind: 'abandoned' };

export interface ConnectionEvents {
  onConnected(us: number): void;
  onResponse(message: OutgoingMessage, response: ParsedResponse, atUs: number): void;
  onFailure(message: OutgoingMessage, failure: Failure): void;
  /** The connection is gone (either side closed it); `byPeer` when we did not ask for it. */
  onClose(connection: ClientConnection, byPeer: boolean): void;
  /**
   * The peer or the network ended the connection with requests outstanding (reported instead of
   * one onFailure each): `established` when it had connected, so the requests may have reached
   * the server; `code` is the socket's errno (ECONNRESET), undefined for a plain FIN.
   */
  onLost(messages: OutgoingMessage[], loss: { established: boolean; code: string | undefined; text: string }): void;
}

interface Pending {
  message: OutgoingMessage;
  timer: NodeJS.Timeout;
}

export class ClientConnection {
  /** Resolves with the connect time in µs (TCP, plus the TLS handshake for https), rejects with the socket's error. */
  readonly ready: Promise<number>;
  private readonly socket: Socket;
  private readonly pending: Pending[] = [];
  private readonly parser: ResponseParser;
  /** False once either side said the connection ends after the current response (§9.6). */
  private persistent: boolean;
  private closing = false;
  private closed = false;
  private established = false;
  /** TLS 1.3: counts the connection as open before the wait for the server's verdict is over. */
  private acceptEarly: (() => void) | undefined;
  private lastError: { code: string | undefined; text: string } | undefined;

  constructor(
    target: HttpTarget,
    private readonly options: ResolvedHttpOptions,
    private readonly wire: { sent: number; received: number },
    private readonly events: ConnectionEvents,
    /** https: the device's TLS meter (handshake counted, previous session offered). */
    meter?: TlsMeter,
  ) {
    this.persistent = options.keepAlive;
    const t0 = nowUs();
    const tls = target.secure;
    const local = target.localAddress ? { localAddress: target.localAddress } : {};
    const secure = {
      host: target.host,
      port: target.port,
      ...local,
      // RFC 6066 §3: SNI carries host names only, never IP literals.
      ...(isIP(target.host) ? {} : { servername: target.host }),
      // ca, client certificate and key (mutual TLS), and tls.servername over the host's.
      ...tlsConnectOptions(options.tls),
    };
    this.socket = tls
      ? meter
        ? meter.connect(secure)
        : tlsConnect(secure)
      : tcpConnect({ host: target.host, port: target.port, ...local });
    // Requests go out in one write each; Nagle would hold pipelined ones back behind delayed ACKs.
    this.socket.setNoDelay(true);
    this.parser = new ResponseParser(
      (r) => this.response(r),
      () => this.pending.length > 0,
    );
    this.ready = new Promise<number>((resolve, reject) => {
      this.socket.once(tls ? 'secureConnect' : 'connect', () => {
        const us = nowUs() - t0;
        const accept = (): void => {
          if (this.closed || this.established) return;
          this.established = true;
          events.onConnected(us);
          resolve(us);
        };
        if (tls && (this.socket as TLSSocket).getProtocol() === 'TLSv1.3') {
          // A response is the server's acceptance too: a resumed handshake may bring no ticket,
          // and without keepAlive the connection may close before the verdict's wait is over.
          this.acceptEarly = accept;
          acceptedTls13(this.socket as TLSSocket, us, accept);
        } else accept();
      });
      this.socket.once('close', () =>
        reject(
          Object.assign(new Error(this.lastError?.text ?? 'connection closed before it was established'), {
            code: this.lastError?.code ?? 'ECONNRESET',
          }),
        ),
      );
    });
    // A send on a connection that fails reports through onFailure; nobody awaits `ready` then.
    this.ready.catch(() => undefined);
    this.socket.on('data', (chunk: Buffer) => {
      this.wire.received += chunk.length;
      try {
        this.parser.push(chunk);
      } catch (err) {
        this.fail({ kind: 'malformed', text: (err as Error).message });
      }
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = { code: err.code, text: err.message };
    });
    this.socket.on('close', () => this.onSocketClose());
  }

  get outstanding(): number {
    return this.pending.length;
  }

  /** Whether another request may be written here. */
  get usable(): boolean {
    return this.persistent && !this.closing && !this.closed;
  }

  /** Writes one request; its response (or failure) is reported through the events. */
  request(message: OutgoingMessage, bytes: Buffer): void {
    const timer = setTimeout(() => this.timeout(), this.options.timeoutMs);
    this.pending.push({ message, timer });
    // Written before the socket connects, it is queued and flushed on connect; counted once
    // handed to the kernel, so a request that never left (refused, reset) is not.
    this.socket.write(bytes, (err) => {
      if (!err) this.wire.sent += bytes.length;
    });
  }

  /** Graceful end: requests still open are abandoned, our FIN is sent. */
  end(): void {
    if (this.closed) return;
    this.closing = true;
    this.settleAll({ kind: 'abandoned' });
    this.parser.stop();
    this.socket.end();
  }

  /** Abrupt end: nothing more is reported for this connection. */
  destroy(): void {
    this.closing = true;
    for (const p of this.pending.splice(0)) clearTimeout(p.timer);
    this.parser.stop();
    this.socket.destroy();
  }

  /** Closed once the socket is fully closed. */
  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  private response(r: ParsedResponse): void {
    const atUs = nowUs();
    this.acceptEarly?.();
    const p = this.pending.shift() as Pending;
    clearTimeout(p.timer);
    if (!r.persistent) this.persistent = false;
    this.events.onResponse(p.message, r, atUs);
    if (!this.persistent && this.pending.length === 0) {
      // §9.6: the exchange that ends the connection is complete; close our side too.
      this.closing = true;
      this.parser.stop();
      this.socket.end();
    } else if (!r.persistent) {
      // §9.3.2: requests pipelined behind a response that closes the connection go unanswered.
      this.fail({
        kind: 'closed',
        code: 'pipelined_after_close',
        text: 'the server closed the connection (Connection: close) with requests still pipelined',
      });
    }
  }

  private timeout(): void {
    // The late response would be matched to the next request: the connection cannot be reused.
    const first = this.pending.shift();
    if (!first) return;
    this.events.onFailure(first.message, { kind: 'timeout' });
    this.fail({
      kind: 'closed',
      code: 'aborted_after_timeout',
      text: 'closed because an earlier pipelined request timed out',
    });
  }

  private fail(failure: Failure): void {
    this.closing = true;
    this.settleAll(failure);
    this.parser.stop();
    this.socket.destroy();
  }

  private settleAll(failure: Failure): void {
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      this.events.onFailure(p.message, failure);
    }
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    // §6.3 rule 8: a body delimited by the close ends here.
    this.parser.end();
    const byPeer = !this.closing;
    const text = this.lastError?.text ?? 'the server closed the connection before responding';
    if (byPeer && this.pending.length > 0) {
      const lost = this.pending.splice(0);
      for (const p of lost) clearTimeout(p.timer);
      this.events.onLost(
        lost.map((p) => p.message),
        { established: this.established, code: this.lastError?.code, text },
      );
    } else this.settleAll({ kind: 'closed', code: this.lastError?.code, text });
    this.events.onClose(this, byPeer);
  }
}

/**
 * RFC 8446 §4.4.2, §4.6.1: in TLS 1.3 the client's handshake ends before the server has judged
 * its certificate, so a refused client certificate shows up only as the server's next record:
 * an alert (certificate_required, unknown_ca) instead of the NewSessionTicket servers send once
 * they accept the client. HTTP has no answer of its own to connect, so the connection counts as
 * open on the first ticket, or when no ticket comes (servers may send none) after four times the
 * handshake's own duration, at least TLS13_VERDICT_MIN_MS; a refusal closes the socket first and
 * rejects `ready`. The connect latency stays the handshake's: the wait is not part of it.
 */
const TLS13_VERDICT_MIN_MS = 100;

function acceptedTls13(socket: TLSSocket, handshakeUs: number, accept: () => void): void {
  let settled = false;
  const timer = setTimeout(done, Math.max(TLS13_VERDICT_MIN_MS, (4 * handshakeUs) / 1000));
  function done(): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    accept();
  }
  // Deferred: a write from inside the 'session' callback (our first request) stalls the TLS socket.
  socket.once('session', () => setImmediate(done));
  socket.once('close', () => clearTimeout(timer));
}
