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
}

export function emptyTraffic(): AmqpTraffic {
  return { connections: 0, handshakeSent: 0, handshakeReceived: 0, publishes: 0, confirms: 0 };
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
  return w;
}
