// The transport half of the lean MQTT device: one stream per connection, read and written
// through handlers shared by every device of the worker (the stream carries its device under a
// symbol), packets framed by their fixed header, writes of one event-loop turn batched into one
// write per stream, every deadline (connect timeout, keep alive, close) on one timing wheel per
// worker, and the read fence that bounds QoS 0 data the broker has not been shown to read.
import type { Duplex } from 'node:stream';
import { TimingWheel, type WheelEntry } from '../../base/timing-wheel.ts';
import type { WireKind } from '../../power/wire.ts';
import type { UnreadMessages } from '../driver.ts';
import { cmdOf, decode, frameAt, kindOf, PINGREQ_BYTES } from './codec.ts';
import { errorLoss, type Loss, strongerLoss } from './loss.ts';
import { WireCounts } from './wire-counts.ts';

/** One wheel for every MQTT deadline of the worker: 50 ms ticks, 512 slots (25.6 s a turn). */
export const WHEEL = new TimingWheel(50, 512);

const DEVICE = Symbol('fleetbench.mqtt.device');
type Tagged = Duplex & { [DEVICE]?: MqttConnection };

/**
 * Unconfirmed QoS 0 bytes a device may have written before it must wait for its read fence:
 * past this, a PINGREQ goes out and QoS 0 sends are refused ('backpressure') until its PINGRESP.
 */
export const FENCE_BYTES = 256 * 1024;
/**
 * Unconfirmed QoS 0 bytes over all of the worker's connections. Past this, a device fences every
 * MIN_FENCE_BYTES instead: what a saturated run may have in socket buffers at any moment stays a
 * few MiB per worker however many devices it has, so "sent" stays close to what the broker read
 * (500 devices at 256 KiB each could hide 128 MiB, seconds of a maximum-rate run).
 */
export const WORKER_FENCE_BYTES = 2 * 1024 * 1024;
export const MIN_FENCE_BYTES = 8 * 1024;
let workerUnconfirmed = 0;
/** QoS 0 sends are refused while this many bytes wait in the stream's own write buffer. */
export const BUFFERED_BYTES = 1 << 20;

export const Phase = {
  Idle: 0,
  Connecting: 1,
  Up: 2,
  /** close(): waiting for in-flight acks and the last fence before DISCONNECT. */
  Closing: 3,
  /** DISCONNECT written, the stream ending. */
  Ending: 4,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

// The shared stream handlers: `this` is the stream, the device hangs off it.
function onData(this: Tagged, chunk: Buffer): void {
  this[DEVICE]?.receive(this, chunk);
}
/**
 * Plain TCP sockets read into this one buffer, shared by every device of the worker (net's
 * `onread`), instead of a new 64 KiB allocation per read: a device decodes each chunk at once
 * and copies what it keeps (a partial packet, a PUBLISH and the other packets it hands on).
 */
export const SHARED_READ = {
  buffer: Buffer.allocUnsafe(64 * 1024),
  callback(this: Tagged, nread: number, buf: Buffer): boolean {
    this[DEVICE]?.receive(this, buf.subarray(0, nread), true);
    return true;
  },
};
function onError(this: Tagged, err: Error): void {
  this[DEVICE]?.streamError(this, err);
}
function onClose(this: Tagged): void {
  this[DEVICE]?.streamClosed(this);
}

// Devices with writes queued in this turn, written once by one shared setImmediate.
const dirty: MqttConnection[] = [];
let flushQueued = false;
function flushDirty(): void {
  flushQueued = false;
  for (let i = 0; i < dirty.length; i++) dirty[i]?.flush();
  dirty.length = 0;
}

/** Packet types read without keeping any of their bytes: PUBACK, PUBREC, PUBREL, PUBCOMP, PINGRESP (§2.2.1). */
const ACK_OR_PING: readonly boolean[] = Array.from({ length: 16 }, (_, t) => (t >= 4 && t <= 7) || t === 13);

export abstract class MqttConnection extends WireCounts implements WheelEntry {
  readonly bytes = { sent: 0, received: 0 };
  protected stream: Duplex | undefined;
  protected phase: Phase = Phase.Idle;
  /** The start of a packet not yet whole. */
  private partial: Buffer | undefined;
  /** Packets written this turn, not yet handed to the stream. */
  private out: Buffer | Buffer[] | undefined;
  /** Why the current connection is going away, once the socket or the broker said so. */
  protected loss: Loss | undefined;
  protected keepaliveMs = 0;
  private lastSentMs = 0;
  private lastReceivedMs = 0;
  /** When the outstanding PINGREQ was written; 0 when none is. */
  protected pingSentMs = 0;
  // The read fence (§3.12, §3.13): QoS 0 publishes written before the outstanding PINGREQ
  // (fence*) and after it (open*). TCP delivers in order and a broker reads its socket in order,
  // so a PINGRESP shows the broker read everything written before its PINGREQ.
  private fenceMessages = 0;
  private fenceBytes = 0;
  /** This connection's share of workerUnconfirmed, given back when it is confirmed or the stream goes. */
  private counted = 0;
  private openMessages = 0;
  private openBytes = 0;
  /** What close() left unconfirmed (DriverDevice.unread). */
  unread: UnreadMessages | undefined;
  // Inbound flow control (5.0 §4.9): QoS 1/2 PUBLISH packets received on this connection, and
  // the PUBACK/PUBCOMP packets that release them, queued this turn and handed to the stream.
  protected inboundPublishes = 0;
  private acksQueued = 0;
  protected acksFlushed = 0;
  /** Packets above this many bytes break the device's Maximum Packet Size (0: no limit). */
  protected incomingLimit = 0;

  wheelNext: WheelEntry | null = null;
  wheelPrev: WheelEntry | null = null;
  wheelSlot = -1;
  wheelRounds = 0;

  /** The protocol half: one decoded packet of the current connection. */
  protected abstract onPacket(packet: ReturnType<typeof decode>): void;
  /** The protocol half: the wheel fired in `phase`. */
  protected abstract onDeadline(): void;
  /** The protocol half: the connection's stream closed (error or not). */
  protected abstract onStreamClosed(): void;
  /** The protocol half: a packet of `size` bytes above incomingLimit arrived. */
  protected onOversize(_size: number): void {}
  /** The protocol half: a stream error before the connection was up. */
  protected abstract onStreamError(err: Error): void;
  protected abstract get version(): 4 | 5;

  onWheel(): void {
    this.onDeadline();
  }

  protected attach(stream: Duplex): void {
    const s = stream as Tagged;
    s[DEVICE] = this;
    s.on('data', onData);
    s.on('error', onError);
    s.on('close', onClose);
    this.stream = stream;
    this.partial = undefined;
    this.out = undefined;
    this.pingSentMs = 0;
    this.release();
    this.fenceMessages = this.fenceBytes = this.openMessages = this.openBytes = 0;
    this.lastSentMs = this.lastReceivedMs = Date.now();
    this.inboundPublishes = this.acksQueued = this.acksFlushed = 0;
    this.opened();
  }

  /** Forgets a stream: its late events are no longer this device's. */
  protected detach(stream: Duplex): void {
    this.release();
    (stream as Tagged)[DEVICE] = undefined;
    if (this.stream === stream) this.stream = undefined;
  }

  /** Queues one packet for this turn's write; counted now, as it is generated. */
  protected write(packet: Buffer, kind: WireKind): void {
    this.bytes.sent += packet.length;
    this.logSent(kind, packet.length);
    this.lastSentMs = Date.now();
    const out = this.out;
    if (out === undefined) {
      this.out = packet;
      dirty.push(this);
      if (!flushQueued) {
        flushQueued = true;
        setImmediate(flushDirty);
      }
    } else if (Array.isArray(out)) out.push(packet);
    else this.out = [out, packet];
  }

  /** A PUBACK or PUBCOMP that releases an inbound QoS 1/2 PUBLISH was written. */
  protected queueAck(): void {
    this.acksQueued++;
  }

  /** Hands this turn's packets to the stream in one write. */
  flush(): void {
    const out = this.out;
    if (out === undefined) return;
    this.out = undefined;
    this.acksFlushed += this.acksQueued;
    this.acksQueued = 0;
    const s = this.stream;
    if (!s || s.destroyed) return;
    s.write(Array.isArray(out) ? Buffer.concat(out) : out);
  }

  /** µs since the device last wrote a packet. */
  protected sinceLastSentUs(): number {
    return (Date.now() - this.lastSentMs) * 1000;
  }

  /** Bytes Node holds for the stream, not yet taken by the kernel. */
  protected get buffered(): number {
    return this.stream?.writableLength ?? 0;
  }

  // --- keep alive (§3.1.2.10) and the read fence -------------------------------------------

  /** A QoS 0 publish of `size` bytes was written. */
  protected wroteUnconfirmed(size: number): void {
    this.openMessages++;
    this.openBytes += size;
    this.counted += size;
    workerUnconfirmed += size;
    if (this.pingSentMs === 0 && this.openBytes > this.fenceLimit()) this.ping();
  }

  /** FENCE_BYTES, or MIN_FENCE_BYTES while the worker as a whole is past WORKER_FENCE_BYTES. */
  private fenceLimit(): number {
    return workerUnconfirmed > WORKER_FENCE_BYTES ? MIN_FENCE_BYTES : FENCE_BYTES;
  }

  /**
   * Whether QoS 0 sends must wait for the fence's PINGRESP; puts a fence out when the device is
   * over its limit with none outstanding (the limit dropped under the worker's budget).
   */
  protected fenceShut(): boolean {
    if (this.buffered > BUFFERED_BYTES) return true;
    if (this.fenceBytes + this.openBytes <= this.fenceLimit()) return false;
    if (this.pingSentMs === 0 && this.openBytes > 0) this.ping();
    return true;
  }

  private release(): void {
    workerUnconfirmed -= this.counted;
    this.counted = 0;
  }

  protected get unconfirmed(): UnreadMessages {
    return { messages: this.fenceMessages + this.openMessages, bytes: this.fenceBytes + this.openBytes };
  }

  /** Writes a PINGREQ (§3.12): a keep alive, and a fence behind everything written before it. */
  protected ping(): void {
    this.write(PINGREQ_BYTES, 'keepalive');
    this.pingSentMs = this.lastSentMs;
    this.fenceMessages += this.openMessages;
    this.fenceBytes += this.openBytes;
    this.openMessages = this.openBytes = 0;
  }

  /** §3.13 PINGRESP: the broker read everything written before the PINGREQ it answers. */
  protected pong(): void {
    this.pingSentMs = 0;
    const confirmed = Math.min(this.fenceBytes, this.counted);
    workerUnconfirmed -= confirmed;
    this.counted -= confirmed;
    this.fenceMessages = this.fenceBytes = 0;
  }

  /** Starts the keep alive's deadline of a connection that is up. */
  protected startKeepalive(seconds: number): void {
    this.keepaliveMs = seconds * 1000;
    if (this.keepaliveMs > 0) WHEEL.schedule(this, this.keepaliveMs);
    else WHEEL.cancel(this);
  }

  /**
   * The keep alive's deadline: a PINGREQ once nothing was written for a Keep Alive period; the
   * connection is lost when nothing at all came back within half a period after it (1.5 periods
   * after the last write, as MQTT.js did). Returns false when the connection timed out.
   */
  protected keepaliveDue(): boolean {
    const ka = this.keepaliveMs;
    if (ka <= 0) return true;
    const now = Date.now();
    const half = Math.max(ka / 2, WHEEL.tickMs);
    if (this.pingSentMs > 0) {
      const waited = now - this.pingSentMs;
      if (waited < half) WHEEL.schedule(this, half - waited);
      else if (this.lastReceivedMs < this.pingSentMs) return false;
      // Packets came since the PINGREQ: the broker is alive, its PINGRESP is behind them.
      else WHEEL.schedule(this, ka);
      return true;
    }
    const idle = now - this.lastSentMs;
    if (idle >= ka) {
      this.ping();
      WHEEL.schedule(this, half);
    } else WHEEL.schedule(this, ka - idle);
    return true;
  }

  /** The connection is dead: notes why (the close that follows reports it) and destroys it. */
  protected abandon(err: Error): void {
    this.loss = strongerLoss(this.loss, errorLoss(err, this.keepaliveMs / 1000));
    this.stream?.destroy();
  }

  // --- the shared handlers' targets ------------------------------------------------------------

  /** A chunk read from `stream`; `shared` when it lies in SHARED_READ, to be copied from before it is kept. */
  receive(stream: Duplex, chunk: Buffer, shared = false): void {
    this.bytes.received += chunk.length;
    this.lastReceivedMs = Date.now();
    let buf = chunk;
    if (this.partial) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let pos = 0;
    try {
      while (pos < buf.length) {
        const frame = frameAt(buf, pos);
        if (!frame) break;
        const first = buf[pos] as number;
        this.logReceived(kindOf(cmdOf(first)), frame.end - pos);
        if (this.incomingLimit > 0 && frame.end - pos > this.incomingLimit) this.onOversize(frame.end - pos);
        this.logWait(first >> 4);
        let bytes = buf.subarray(pos, frame.end);
        // Acknowledgements and PINGRESP are read at once; any other packet may be kept (a payload, properties).
        if (shared && buf === chunk && !ACK_OR_PING[first >> 4]) bytes = Buffer.from(bytes);
        const packet = decode(bytes, frame.body - pos, this.version);
        pos = frame.end;
        this.onPacket(packet);
        // A packet may end the connection (a refusing CONNACK, a DISCONNECT).
        if (this.stream !== stream) return;
      }
    } catch (err) {
      // §4.13: a malformed packet closes the connection.
      this.abandon(err as Error);
      return;
    }
    // Copied: a slice would keep the whole chunk alive.
    if (pos < buf.length) this.partial = Buffer.from(buf.subarray(pos));
  }

  streamError(stream: Duplex, err: Error): void {
    if (stream !== this.stream) return;
    if (this.phase === Phase.Connecting) this.onStreamError(err);
    else if (this.phase === Phase.Up) this.loss = strongerLoss(this.loss, errorLoss(err, this.keepaliveMs / 1000));
  }

  streamClosed(stream: Duplex): void {
    if (stream !== this.stream) return;
    this.detach(stream);
    WHEEL.cancel(this);
    this.onStreamClosed();
  }
}
