// An AMQP device's packets and bytes by kind for the power model: the handshake (connection.start
// … channel open, confirm.select, and the closing methods) and the data frames.
import { emptyWire, type WireTotalsByKind } from '../../power/wire.ts';

/**
 * Connections opened, the bytes of opening and closing them, and the data frames' packets: a
 * publish is one segment (method, header and body frames written together), a confirm or a
 * delivery one.
 */
export interface AmqpTraffic {
  connections: number;
  handshakeSent: number;
  handshakeReceived: number;
  publishes: number;
  confirms: number;
  /** Replies to the device's synchronous methods (AMQP 0-9-1 §2.2.4: Connection.Start … CloseOk). */
  handshakeWaits: number;
  /** Publisher confirms (Basic.Ack / Basic.Nack frames, one per frame) and Tx.CommitOk. */
  dataWaits: number;
}

export function emptyTraffic(): AmqpTraffic {
  return {
    connections: 0,
    handshakeSent: 0,
    handshakeReceived: 0,
    publishes: 0,
    confirms: 0,
    handshakeWaits: 0,
    dataWaits: 0,
  };
}

/** `ackedDeliveries`: deliveries this device acknowledged (manual acks), each one segment out. */
export function amqpWire(
  t: AmqpTraffic,
  bytes: { sent: number; received: number },
  ackedDeliveries: number,
  deliveries: number,
): WireTotalsByKind {
  const w = emptyWire();
  w.connections = t.connections;
  // AMQP 0-9-1 §4.2.3: about seven method round trips open a connection and its channel;
  // each method is one segment each way (assumption: no coalescing), closing is two more.
  w.tx.handshake = { packets: t.connections * 9, bytes: t.handshakeSent };
  w.rx.handshake = { packets: t.connections * 9, bytes: t.handshakeReceived };
  w.tx.data = { packets: t.publishes + ackedDeliveries, bytes: bytes.sent - t.handshakeSent };
  w.rx.data = { packets: t.confirms + deliveries, bytes: bytes.received - t.handshakeReceived };
  w.waits.handshake = t.handshakeWaits;
  w.waits.data = t.dataWaits;
  return w;
}

/**
 * AMQP 0-9-1 §2.2.4 opening: the protocol header is answered by Connection.Start, Start-Ok by
 * Connection.Tune, Tune-Ok + Open by Connection.Open-Ok. amqplib reads these before it hands
 * the connection over, so they are counted per connection rather than per frame.
 */
export const OPENING_WAITS = 3;

// Method ids as amqplib decodes them: class id << 16 | method id (AMQP 0-9-1 §4.2.4, the XML spec's ids).
const id = (classId: number, methodId: number): number => (classId << 16) | methodId;

/**
 * Replies to the device's synchronous methods, each the end of one round trip (AMQP 0-9-1 §1.4:
 * a synchronous request waits for its -Ok): Connection.Close-Ok, Channel.Open-Ok, Close-Ok and
 * Flow-Ok, Exchange and Queue Declare/Bind/Unbind/Delete/Purge-Ok, Basic.Qos-Ok, Consume-Ok,
 * Cancel-Ok, Get-Ok/Get-Empty, Recover-Ok, Confirm.Select-Ok, Tx.Select-Ok.
 */
const HANDSHAKE_REPLIES = new Set([
  id(10, 51),
  id(20, 11),
  id(20, 21),
  id(20, 41),
  id(40, 11),
  id(40, 21),
  id(40, 31),
  id(40, 51),
  id(50, 11),
  id(50, 21),
  id(50, 31),
  id(50, 41),
  id(50, 51),
  id(60, 11),
  id(60, 21),
  id(60, 31),
  id(60, 71),
  id(60, 72),
  id(60, 111),
  id(85, 11),
  id(90, 11),
]);

/**
 * Data round trips: a publisher confirm (RabbitMQ's Basic.Ack 60/80 or Basic.Nack 60/120; one
 * frame with `multiple` confirms several publishes and is one wait) and Tx.Commit-Ok / Rollback-Ok
 * (90/21, 90/31), the transaction's answer. Heartbeats (§4.2.7) are not waits: both peers send
 * them unprompted.
 */
const DATA_REPLIES = new Set([id(60, 80), id(60, 120), id(90, 21), id(90, 31)]);

/** Counts the waits a frame amqplib decoded ends (`id` undefined for content and heartbeat frames). */
export function countWait(t: AmqpTraffic, frame: { id?: number } | false | undefined): void {
  const method = frame ? frame.id : undefined;
  if (method === undefined) return;
  if (DATA_REPLIES.has(method)) t.dataWaits++;
  else if (HANDSHAKE_REPLIES.has(method)) t.handshakeWaits++;
}

/**
 * Taps amqplib's frame reader (Connection.recvFrame, which reads and decodes one frame; it calls
 * itself when it needs more bytes, hence the depth) so every frame of the connection is seen
 * once, the closing handshake's included. `recvFrame` is amqplib's internal API (checked against amqplib 2.3).
 */
export function tapFrames(connection: unknown, t: AmqpTraffic): void {
  const c = connection as { recvFrame?: () => { id?: number } | false };
  const read = c.recvFrame;
  if (typeof read !== 'function') return;
  let depth = 0;
  c.recvFrame = function tapped(this: unknown) {
    depth++;
    try {
      const frame = read.call(this);
      if (depth === 1) countWait(t, frame);
      return frame;
    } finally {
      depth--;
    }
  };
}
