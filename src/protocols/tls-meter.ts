// TLS over TCP, counted on the wire: each device's handshakes (full or resumed, the bytes each
// way at the record layer, the TCP segments they would take, the round trips waited for) and
// the session it offers when it connects again, as a constrained device does to spare itself
// the certificate exchange (RFC 5077 tickets and session IDs in TLS 1.2, RFC 8446 §2.2 PSK
// resumption in TLS 1.3).
//
// The TLS socket runs over a net.Socket of ours, whose bytesWritten/bytesRead are the TCP
// payload: TLS records, headers included, no TCP/IP headers. Flights are told apart by
// sampling those counters once per event-loop turn while handshakes are under way: a TLS
// handshake is lockstep (the client writes, then waits for the server's flight, then writes),
// so consecutive growth in one direction is one flight, and a flight written at once takes
// ceil(bytes / MSS) segments.

import net from 'node:net';
import tls from 'node:tls';
import { emptySecure } from '../power/wire.ts';

export { addSecure, emptySecure, type SecureTotals } from '../power/wire.ts';

/** TCP payload per segment on an Ethernet-sized path (1500-byte MTU − 40 bytes of IPv4 + TCP headers). */
export const TCP_MSS = 1460;

/** One handshake under way: the raw socket's counters as last seen and the flights so far. */
class Handshake {
  private tx = 0;
  private rx = 0;
  private last: 'tx' | 'rx' | undefined;
  readonly txFlights: number[] = [];
  readonly rxFlights: number[] = [];

  constructor(readonly raw: net.Socket) {}

  sample(): void {
    const tx = this.raw.bytesWritten;
    const rx = this.raw.bytesRead;
    // Within one turn the client read the server's flight before answering it.
    if (rx > this.rx) this.grow('rx', rx - this.rx);
    if (tx > this.tx) this.grow('tx', tx - this.tx);
    this.rx = rx;
    this.tx = tx;
  }

  /** The client's last flight, measured apart from the application data written with it. */
  txFlight(bytes: number): void {
    this.grow('tx', bytes);
  }

  get txBytes(): number {
    return this.tx;
  }

  private grow(dir: 'tx' | 'rx', bytes: number): void {
    const flights = dir === 'tx' ? this.txFlights : this.rxFlights;
    const n = flights.length;
    if (this.last === dir && n > 0) flights[n - 1] = (flights[n - 1] ?? 0) + bytes;
    else flights.push(bytes);
    this.last = dir;
  }
}

// One sampler for the worker's handshakes, run once per turn (setImmediate) only while some are
// under way: no timer per device, nothing left scheduled when none is.
const underWay = new Set<Handshake>();
let scheduled = false;

function sampleAll(): void {
  scheduled = false;
  for (const h of underWay) h.sample();
  schedule();
}

function schedule(): void {
  if (scheduled || underWay.size === 0) return;
  scheduled = true;
  setImmediate(sampleAll);
}

/**
 * The bytes on the wire of `cleartext` bytes written at once: records of at most 2^14 bytes
 * (RFC 8446 §5.1, RFC 5246 §6.2.1), each with its 5-byte header and its cipher's expansion.
 * TLS 1.3: inner content type + 16-byte AEAD tag (§5.2). TLS 1.2: AES-GCM/CCM, 8-byte explicit
 * nonce + 16-byte tag (RFC 5288 §3, RFC 6655 §3); ChaCha20-Poly1305, the tag only (RFC 7905
 * §2); CBC, an explicit IV, the MAC and padding to the block (RFC 5246 §6.2.3.2).
 */
export function recordBytes(cleartext: number, protocol: string | null, cipher: string): number {
  const MAX = 16384;
  let total = 0;
  for (let left = cleartext; left > 0; left -= MAX) {
    const n = Math.min(left, MAX);
    if (protocol === 'TLSv1.3') total += 5 + n + 1 + 16;
    else if (/GCM|CCM/.test(cipher)) total += 5 + 8 + n + 16;
    else if (/CHACHA20/.test(cipher)) total += 5 + n + 16;
    else {
      const mac = /SHA384$/.test(cipher) ? 48 : /SHA256$/.test(cipher) ? 32 : 20;
      total += 5 + 16 + Math.ceil((n + mac + 1) / 16) * 16;
    }
  }
  return total;
}

const segments = (flights: number[]): number => flights.reduce((n, b) => n + Math.ceil(b / TCP_MSS), 0);

/**
 * The round trips a client waits for in a handshake: TLS 1.2 full, ServerHello…ServerHelloDone
 * then ChangeCipherSpec+Finished (RFC 5246 §7.3); TLS 1.2 abbreviated, one (§7.3, Figure 2);
 * TLS 1.3, one, full or resumed (RFC 8446 §2, §2.2). A HelloRetryRequest's extra one is not seen.
 */
export function tlsWaits(protocol: string | null, resumed: boolean): number {
  if (protocol === 'TLSv1.3') return 1;
  return resumed ? 1 : 2;
}

/** tls.connect's options, with the TCP ones (net.connect's) it passes on when it opens the socket. */
export type MeteredConnectOptions = tls.ConnectionOptions & { localAddress?: string; family?: number };

/**
 * ws's `createConnection` for wss:// through `meter`. ws calls it with tls.connect's options
 * only (never net.createConnection's other overloads), hence the cast; SNI as ws's own
 * tlsConnect sets it: a host name, never an IP literal (RFC 6066 §3).
 */
export function wsCreateConnection(meter: TlsMeter): typeof net.createConnection {
  return ((o: MeteredConnectOptions) =>
    meter.connect({ ...o, servername: o.servername ?? (net.isIP(o.host ?? '') ? '' : o.host) })) as never;
}

export interface TlsMeterOptions {
  /** Offer the previous connection's session when connecting again (default true). */
  resume: boolean;
}

/** One device's TLS: its handshake totals and the session it offers next time. */
export class TlsMeter {
  readonly totals = emptySecure();
  private session: Buffer | undefined;

  constructor(private readonly options: TlsMeterOptions = { resume: true }) {}

  /**
   * tls.connect over a TCP socket of ours, counted. `options` are tls.connect's (host, port,
   * localAddress, ca, servername…); the session to resume is added here.
   */
  connect(options: MeteredConnectOptions): tls.TLSSocket {
    const raw = this.rawSocket(options);
    const session = this.options.resume ? this.session : undefined;
    const s = tls.connect({ ...options, socket: raw, ...(session ? { session } : {}) });
    // What the device writes before the handshake ends goes out as one record (see count).
    s.cork();
    if (this.options.resume)
      s.on('session', (ticket: Buffer) => {
        this.session = ticket;
      });
    this.count(s, raw);
    return s;
  }

  /**
   * For a client library that calls tls.connect itself (amqplib): the TCP socket to hand it as
   * `socket`, and the session to offer as `session`. Its flights are sampled from here on;
   * `settle` counts the handshake once the library's connection is up, taking the first
   * `waits` server flights and the client's first two as the handshake's, and out of the
   * client's second the record of the `firstWrite` bytes the library wrote at 'secureConnect'
   * (sent with the Finished in TLS 1.3 and in a resumed TLS 1.2 handshake).
   */
  socketFor(options: MeteredConnectOptions): {
    socket: net.Socket;
    session?: Buffer;
    settle(s: tls.TLSSocket, firstWrite: number): void;
  } {
    const raw = this.rawSocket(options);
    const h = new Handshake(raw);
    underWay.add(h);
    schedule();
    raw.once('close', () => underWay.delete(h));
    const settle = (s: tls.TLSSocket, firstWrite: number): void => {
      if (!underWay.delete(h)) return;
      h.sample();
      if (this.options.resume) {
        // TLS 1.3 tickets came after the handshake, before now: the latest is the session's.
        this.session = s.getSession() ?? this.session;
        s.on('session', (ticket: Buffer) => {
          this.session = ticket;
        });
      }
      const resumed = s.isSessionReused();
      const protocol = s.getProtocol();
      const waits = tlsWaits(protocol, resumed);
      const rx = h.rxFlights.slice(0, waits);
      const tx = h.txFlights.slice(0, 2);
      const app = recordBytes(firstWrite, protocol, s.getCipher()?.name ?? '');
      if ((protocol === 'TLSv1.3' || resumed) && (tx[1] ?? 0) > app) tx[1] = (tx[1] ?? 0) - app;
      this.add(resumed, protocol, tx, rx, waits);
    };
    return { socket: raw, ...(this.options.resume && this.session ? { session: this.session } : {}), settle };
  }

  private rawSocket(options: MeteredConnectOptions): net.Socket {
    const raw = new net.Socket();
    // The TLS socket reports the raw socket's errors (ECONNREFUSED…) as its own.
    raw.on('error', () => undefined);
    const { host, port, localAddress, family } = options;
    raw.connect({
      host: host ?? 'localhost',
      port: port ?? 443,
      ...(localAddress ? { localAddress } : {}),
      ...(family ? { family } : {}),
    });
    return raw;
  }

  private add(resumed: boolean, protocol: string | null, tx: number[], rx: number[], waits: number): void {
    const t = this.totals;
    if (resumed) t.resumed++;
    else t.full++;
    if (protocol === 'TLSv1.3') t.tls13 = (t.tls13 ?? 0) + 1;
    t.tx.bytes += tx.reduce((a, b) => a + b, 0);
    t.rx.bytes += rx.reduce((a, b) => a + b, 0);
    t.tx.packets += segments(tx);
    t.rx.packets += segments(rx);
    t.waits += waits;
  }

  /**
   * Counts the handshake of `s`, running over `raw`, into the totals once it completes. At
   * 'secureConnect' the server's last flight has been read, but the client's own last flight
   * (TLS 1.3 Finished, RFC 8446 §4.4.4; TLS 1.2 abbreviated ChangeCipherSpec and Finished,
   * RFC 5246 §7.3) leaves only after the event, in the same write as what the device queued
   * meanwhile (its first request goes with the Finished, as on a real client). The device's
   * writes were corked since connect, so they are one record now: its size is known from the
   * cleartext and the cipher, and what is left of the write is the Finished flight. A TLS 1.3
   * server's NewSessionTicket messages (§4.6.1) come after the handshake and are not counted.
   */
  private count(s: tls.TLSSocket, raw: net.Socket): void {
    const h = new Handshake(raw);
    underWay.add(h);
    schedule();
    const done = (): void => {
      underWay.delete(h);
      s.off('close', done);
    };
    s.once('close', done);
    s.once('secureConnect', () => {
      h.sample();
      done();
      const resumed = s.isSessionReused();
      const protocol = s.getProtocol();
      const before = h.txBytes;
      let queued = 0;
      // After every 'secureConnect' listener has written what it had to.
      process.nextTick(() => {
        queued = s.writableLength;
        s.uncork();
      });
      // The Finished flight is flushed by the end of this turn when nothing was queued.
      setImmediate(() => {
        const written = raw.bytesWritten - before;
        const app = queued > 0 ? recordBytes(queued, protocol, s.getCipher()?.name ?? '') : 0;
        if (written > app) h.txFlight(written - app);
        this.add(resumed, protocol, h.txFlights, h.rxFlights, tlsWaits(protocol, resumed));
      });
    });
  }
}
