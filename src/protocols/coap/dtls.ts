// CoAP over DTLS 1.2 (coaps://, RFC 7252 §9.1) on node-dtls-client: one DTLS session per device
// to its target, authenticated by a pre-shared key (PSK mode, §9.1.3.1). The session stands in
// for the endpoint's UDP socket (Endpoint's DatagramSocket), so the whole message layer runs on
// it unchanged. Every datagram of the session is counted as it crosses the network, DTLS record
// headers, nonces and tags included, so the power model prices what was sent: the records
// carrying CoAP as `data`, the session's own (its handshake and its closing alert) in the wire's
// `secure` block only, never in `handshake` (one full handshake per session; the round trips
// are the server flights received during the handshake).
// node-dtls-client offers no session to resume (its ClientHello has an empty session_id and no
// extensions) and no Connection ID (RFC 9146), so every session's handshake is full.
// node-dtls-client is a client only (PSK, no certificates, no server side): virtual sensors and
// the embedded server stay on plain coap://.
import type { Socket as UdpSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { dtls } from 'node-dtls-client';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import type { WireTotalsByKind } from '../../power/wire.ts';
import type { DeviceInit } from '../driver.ts';
import { alertRefusal } from '../tls-alerts.ts';
import { credentialsFor, dtlsMismatch } from './dtls-options.ts';
import type { DatagramSocket, Peer } from './endpoint.ts';
import type { ResolvedCoapOptions } from './options.ts';

/** A device's PSK credentials, rendered for it (identity templates filled in). */
export interface DtlsCredentials {
  identity: string;
  key: Buffer;
}

// RFC 6347 §4.1 record header: type(1) version(2) epoch(2) sequence(6) length(2); a handshake
// message header follows (§4.2.2): msg_type(1) …
const HANDSHAKE = 22;
const SERVER_HELLO = 2;
const CLIENT_KEY_EXCHANGE = 16;
const RECORD_HEADER = 13;

/** The handshake message type a datagram starts with (epoch 0 only: later ones are encrypted). */
function handshakeType(buf: Buffer): number | undefined {
  if (buf.length <= RECORD_HEADER || buf[0] !== HANDSHAKE || buf.readUInt16BE(3) !== 0) return undefined;
  return buf[RECORD_HEADER];
}

/** One device's DTLS session to `peer`; emits 'message' (CoAP datagrams) and 'error' like a dgram socket. */
export class DtlsSession extends EventEmitter implements DatagramSocket {
  private open = false;
  private ended = false;

  private constructor(
    private readonly socket: dtls.Socket,
    private readonly peer: Peer,
  ) {
    super();
  }

  /**
   * Opens the session: resolves once the handshake finished; rejects with a FleetbenchError whose
   * reason names what went wrong (`dtls_<alert>`, `dtls_handshake_failure`, `dtls_handshake_timeout`).
   */
  static open(
    peer: Peer,
    type: 'udp4' | 'udp6',
    credentials: DtlsCredentials,
    timeoutMs: number,
    wire: WireTotalsByKind,
    where: string,
  ): Promise<DtlsSession> {
    const socket = dtls.createSocket({
      type,
      address: peer.address,
      port: peer.port,
      psk: { [credentials.identity]: credentials.key },
      timeout: timeoutMs,
    });
    const session = new DtlsSession(socket, peer);
    return new Promise((resolve, reject) => {
      let sentKeyExchange = false;
      const fail = (err: FleetbenchError): void => {
        if (session.ended) return;
        session.ended = true;
        session.close(() => undefined);
        reject(err);
      };
      // The library keeps its UDP socket private and counts nothing: the datagrams are counted
      // here, on that socket, as they are written and read.
      const udp = (socket as unknown as { udp: UdpSocket }).udp;
      const send = udp.send.bind(udp) as (buf: Buffer, ...rest: unknown[]) => void;
      // The session's own datagrams go to `secure`; during the handshake a run of datagrams from
      // the server with none of ours between is one flight, the device waited for each (RFC 6347
      // §4.2.4).
      let handshaking = true;
      let lastFromServer = false;
      (udp as unknown as { send: typeof send }).send = (buf: Buffer, ...rest: unknown[]) => {
        const t = !handshaking && session.open && !session.ended ? wire.tx.data : wire.secure.tx;
        t.packets++;
        t.bytes += buf.length;
        lastFromServer = false;
        if (handshakeType(buf) === CLIENT_KEY_EXCHANGE) sentKeyExchange = true;
        send(buf, ...rest);
      };
      udp.prependListener('message', (buf: Buffer) => {
        const t = !handshaking && session.open && !session.ended ? wire.rx.data : wire.secure.rx;
        t.packets++;
        t.bytes += buf.length;
        if (handshaking && !lastFromServer) wire.secure.waits++;
        lastFromServer = true;
        // RFC 6347 §4.2.4: a server that cannot verify our Finished (it was made with another
        // key) discards it and retransmits its last flight, ServerHello first. The library would
        // only time out; this is the server telling us the key is not the one it has.
        if (!session.open && sentKeyExchange && handshakeType(buf) === SERVER_HELLO)
          fail(
            new FleetbenchError(
              ErrorCodes.CONNECT_REJECTED,
              `${where}: the server did not accept the DTLS handshake: it repeated its ServerHello instead of its Finished, so it could not verify ours (a wrong pre-shared key for identity ${JSON.stringify(credentials.identity)}, or an identity the server maps to another key)`,
              { reasonCode: 'dtls_handshake_failure' },
            ),
          );
      });
      socket.once('connected', () => {
        handshaking = false;
        if (session.ended) return;
        session.open = true;
        wire.connections++;
        wire.secure.full++;
        resolve(session);
      });
      socket.on('message', (msg: Buffer) => session.emit('message', msg, session.peer));
      socket.on('error', (err: Error) => {
        if (session.open) {
          session.emit('error', err);
          return;
        }
        fail(
          alertRefusal(where, err, 'dtls') ??
            (/timed out/.test(err.message)
              ? new FleetbenchError(
                  ErrorCodes.CONNECT_TIMEOUT,
                  `${where}: no DTLS handshake within ${timeoutMs}ms (nothing answers DTLS on this port, or the server dropped the handshake)`,
                  { reasonCode: 'dtls_handshake_timeout', cause: err },
                )
              : new FleetbenchError(ErrorCodes.CONNECT_REFUSED, `${where}: DTLS handshake failed: ${err.message}`, {
                  reasonCode: 'dtls_error',
                  cause: err,
                })),
        );
      });
      socket.on('close', () => {
        session.open = false;
      });
    });
  }

  /** The session has one peer: CoAP messages to any other endpoint cannot travel on it. */
  send(buf: Buffer, port: number, address: string): void {
    if (port !== this.peer.port || address !== this.peer.address) {
      this.emit(
        'error',
        new Error(`a coaps:// session to ${this.peer.address}:${this.peer.port} cannot reach ${address}:${port}`),
      );
      return;
    }
    if (!this.open) return;
    try {
      this.socket.send(buf);
    } catch (err) {
      // The server ended the session (close_notify, a fatal alert): the message is lost.
      this.open = false;
      this.emit('error', err as Error);
    }
  }

  /** Ends the session with a close_notify alert (counted with the handshake: teardown). */
  close(callback: () => void): void {
    const wasOpen = this.open;
    this.open = false;
    this.ended = true;
    if (!wasOpen) {
      try {
        (this.socket as unknown as { udp: UdpSocket }).udp.close();
      } catch {
        // already closed by the library
      }
      callback();
      return;
    }
    try {
      this.socket.close(callback);
    } catch {
      callback();
    }
  }
}

/**
 * The DTLS session a device opens to its coaps:// target before any CoAP message, or undefined
 * for coap://. `wire` gives the device's totals the session counts into.
 */
export async function dtlsSocket(
  init: DeviceInit<ResolvedCoapOptions>,
  peer: Peer,
  type: 'udp4' | 'udp6',
  wire: () => WireTotalsByKind,
): Promise<DtlsSession | undefined> {
  const where = maskUrl(init.url);
  const mismatch = dtlsMismatch(init.url, init.options.dtls, where);
  if (mismatch) throw mismatch;
  const d = init.options.dtls;
  if (!d) return undefined;
  return DtlsSession.open(peer, type, credentialsFor(d, init), init.connectTimeoutMs, wire(), where);
}
