// One UDP socket and the driver's whole wire format: a data datagram is the message's payload,
// as is; a receiver answers it with an 8-byte ack, the stamp's stream and sequence number (both
// uint32, big-endian). The socket counts bytes and datagrams both ways.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { decodeStamp, type Stamp } from '../../metrics/stamp.ts';

export const ACK_BYTES = 8;

export function ackOf(stamp: Stamp): Buffer {
  const ack = Buffer.allocUnsafe(ACK_BYTES);
  ack.writeUInt32BE(stamp.stream, 0);
  ack.writeUInt32BE(stamp.seq, 4);
  return ack;
}

/** The key a sender files a datagram in flight under, from its stamp or from the ack answering it. */
export function ackKey(stream: number, seq: number): number {
  return stream * 2 ** 32 + seq;
}

export class UdpEndpoint {
  readonly socket: Socket;
  readonly bytes = { sent: 0, received: 0 };
  readonly datagrams = { sent: 0, received: 0 };

  constructor(host: string, onDatagram: (buf: Buffer, from: RemoteInfo) => void, onError: (err: Error) => void) {
    this.socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    this.socket.on('message', (buf, from) => {
      this.bytes.received += buf.length;
      this.datagrams.received++;
      onDatagram(buf, from);
    });
    this.socket.on('error', onError);
  }

  bind(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
  }

  /** A sender's socket talks to one peer: the kernel then reports an unreachable port as ECONNREFUSED. */
  connectTo(port: number, host: string): Promise<void> {
    return new Promise((resolve) => this.socket.connect(port, host, resolve));
  }

  send(buf: Buffer, to?: RemoteInfo): void {
    this.bytes.sent += buf.length;
    this.datagrams.sent++;
    if (to) this.socket.send(buf, to.port, to.address);
    else this.socket.send(buf);
  }

  /** Receivers: answers a stamped datagram with its ack; false when the payload carries no stamp. */
  ack(buf: Buffer, to: RemoteInfo): boolean {
    const stamp = decodeStamp(buf);
    if (!stamp) return false;
    this.send(ackOf(stamp), to);
    return true;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }
}
