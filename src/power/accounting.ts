// Byte accounting of common exchanges at the network layer (IPv4), per the design notes' table:
// TCP/IP adds 40 B per segment, UDP/IP 28 B per datagram. These build the Exchange records the
// model prices when a timeline is derived from protocol rules rather than recorded packets.
import type { Exchange } from './model.ts';

export const TCP_IP_BYTES = 40;
export const UDP_IP_BYTES = 28;

/** MQTT 3.1.1 CONNECT size (§3.1): fixed header 2 + variable header 10 + client id 2+n, + user 2+n, + password 2+n. */
export function mqttConnectBytes(clientId: string, username?: string, password?: string): number {
  const str = (s: string | undefined): number => (s === undefined ? 0 : 2 + Buffer.byteLength(s));
  return 12 + str(clientId) + str(username) + str(password);
}

/** A whole MQTT packet's size from its remaining length (§2.2.3): the first byte, 1–4 length bytes, the rest. */
export function mqttPacketBytes(remaining: number): number {
  return 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4) + remaining;
}

/** MQTT PUBLISH size (§3.3): fixed header, topic 2+T, packet id 2 for QoS > 0, payload. */
export function mqttPublishBytes(topic: string, payloadBytes: number, qos: 0 | 1 | 2): number {
  return mqttPacketBytes(2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + payloadBytes);
}

/**
 * One sleep-mode MQTT report over TCP: the handshake (SYN, SYN-ACK, ACK; CONNECT, CONNACK;
 * DISCONNECT, FIN, FIN-ACK) and the data (PUBLISH and, for QoS 1 and 2, its acknowledgements).
 * The device waits one round trip for the SYN-ACK, one for the CONNACK, and one per
 * acknowledgement round of the QoS level (§4.3).
 */
export function mqttSleepReport(o: {
  clientId: string;
  username?: string;
  password?: string;
  topic: string;
  payloadBytes: number;
  qos: 0 | 1 | 2;
}): { handshake: Exchange; data: Exchange } {
  const seg = (appBytes: number): number => appBytes + TCP_IP_BYTES;
  const handshake: Exchange = {
    // SYN, ACK, CONNECT, DISCONNECT, FIN
    tx: {
      packets: 5,
      bytes: seg(0) + seg(0) + seg(mqttConnectBytes(o.clientId, o.username, o.password)) + seg(2) + seg(0),
    },
    // SYN-ACK, CONNACK, FIN-ACK
    rx: { packets: 3, bytes: seg(0) + seg(4) + seg(0) },
    roundTrips: 2,
    timeoutS: 0,
  };
  const publish = seg(mqttPublishBytes(o.topic, o.payloadBytes, o.qos));
  // QoS 1: PUBACK in; QoS 2: PUBREC in, PUBREL out, PUBCOMP in (4 B each).
  const data: Exchange =
    o.qos === 0
      ? { tx: { packets: 1, bytes: publish }, rx: { packets: 0, bytes: 0 }, roundTrips: 0, timeoutS: 0 }
      : o.qos === 1
        ? { tx: { packets: 1, bytes: publish }, rx: { packets: 1, bytes: seg(4) }, roundTrips: 1, timeoutS: 0 }
        : {
            tx: { packets: 2, bytes: publish + seg(4) },
            rx: { packets: 2, bytes: 2 * seg(4) },
            roundTrips: 2,
            timeoutS: 0,
          };
  return { handshake, data };
}
