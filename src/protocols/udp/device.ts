// One virtual UDP device: a sender that sends each message as one datagram to the target and
// waits for its ack, or (with `listen`) a receiver that takes datagrams on its own port and
// acks them. Datagrams in flight are swept for timeouts by one timer per device, not one each.
import type { RemoteInfo } from 'node:dgram';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { nowUs } from '../../metrics/clock.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { UDP_CODES } from './codes.ts';
import { ACK_BYTES, ackKey, UdpEndpoint } from './endpoint.ts';
import type { ResolvedUdpOptions } from './options.ts';

const C = UDP_CODES.keys;

interface InFlight {
  message: OutgoingMessage;
  sentUs: number;
}

export class UdpDevice implements DriverDevice {
  private endpoint: UdpEndpoint | undefined;
  /** Datagrams awaiting their ack, in the order sent (so a sweep stops at the first one not yet due). */
  private readonly inFlight = new Map<number, InFlight>();
  private sweeper: NodeJS.Timeout | undefined;
  private up = false;

  constructor(
    private readonly init: DeviceInit<ResolvedUdpOptions>,
    private readonly events: DeviceEvents,
  ) {}

  get connected(): boolean {
    return this.up;
  }

  get bytes(): { sent: number; received: number } {
    return this.endpoint?.bytes ?? { sent: 0, received: 0 };
  }

  get datagrams(): { sent: number; received: number } {
    return this.endpoint?.datagrams ?? { sent: 0, received: 0 };
  }

  /** UDP has no handshake: the latency is the time to bind (and, for a sender, to fix its peer). */
  async connect(): Promise<number> {
    const t0 = nowUs();
    const { options, index, url } = this.init;
    const listen = options.listen;
    const target = listen ? undefined : new URL(url);
    const host = listen?.host ?? (target?.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1');
    const endpoint = new UdpEndpoint(
      host,
      (buf, from) => (listen ? this.receive(buf, from) : this.acked(buf)),
      (err) => this.events.onError('udp.socket', err.message),
    );
    try {
      if (listen) await endpoint.bind(listen.port + index, listen.host);
      else {
        // The scenario's source address: bound before connect, which would bind the wildcard.
        if (this.init.localAddress) await endpoint.bind(0, this.init.localAddress);
        await endpoint.connectTo(Number(target?.port), host);
      }
    } catch (err) {
      endpoint.close();
      const at = listen ? `udp listen ${listen.host}:${listen.port + index}` : `udp ${url}`;
      throw new FleetbenchError(ErrorCodes.CONNECT_REFUSED, `${at}: cannot bind: ${(err as Error).message}`, {
        reasonCode: (err as { code?: string }).code ?? 'BIND',
        cause: err,
      });
    }
    this.endpoint = endpoint;
    this.up = true;
    if (!listen && options.ack) this.sweeper = setInterval(() => this.sweep(), Math.max(10, options.timeoutMs / 4));
    return nowUs() - t0;
  }

  /** A receiver gets whatever is sent to its port: listening is its subscription. */
  async subscribe(): Promise<void> {}

  send(message: OutgoingMessage): SendOutcome {
    const endpoint = this.endpoint;
    if (!this.up || !endpoint) return 'not_connected';
    endpoint.send(message.payload);
    if (this.init.options.ack && !message.isReply)
      this.inFlight.set(ackKey(message.stamp.stream, message.stamp.seq), { message, sentUs: nowUs() });
    return 'sent';
  }

  async close(): Promise<void> {
    if (this.inFlight.size > 0) this.events.onCode(C.udp.abandoned, this.inFlight.size);
    this.kill();
  }

  kill(): void {
    clearInterval(this.sweeper);
    this.inFlight.clear();
    this.endpoint?.close();
    this.up = false;
  }

  private receive(buf: Buffer, from: RemoteInfo): void {
    this.events.onMessage({ topic: `udp:${from.port}`, payload: buf, receivedUs: nowUs(), retained: false });
    if (this.init.options.ack && this.endpoint?.ack(buf, from)) this.events.onCode(C.udp.ack_sent);
  }

  private acked(buf: Buffer): void {
    const key = buf.length === ACK_BYTES ? ackKey(buf.readUInt32BE(0), buf.readUInt32BE(4)) : undefined;
    const entry = key === undefined ? undefined : this.inFlight.get(key);
    if (key === undefined || !entry) {
      this.events.onCode(C.udp.unmatched_ack);
      return;
    }
    this.inFlight.delete(key);
    this.events.onCode(C.udp.acked);
    this.events.onAck(entry.message, nowUs(), undefined);
  }

  private sweep(): void {
    const due = nowUs() - this.init.options.timeoutMs * 1000;
    for (const [key, entry] of this.inFlight) {
      if (entry.sentUs > due) break;
      this.inFlight.delete(key);
      this.events.onCode(C.udp.timeout);
    }
  }
}
