// DeviceEvents that record everything a driver device reports, for tests that drive one device
// of any protocol directly: messages, acks, codes, errors, disconnects with their cause, and the
// in-doubt and resent counts of an outage.
import type { DeviceEvents, DisconnectCause, OutgoingMessage, ReceivedMessage } from '../../src/protocols/driver.ts';

export interface Recording {
  events: DeviceEvents;
  messages: ReceivedMessage[];
  acks: OutgoingMessage[];
  /** Code key → count. */
  codes: Map<string, number>;
  errors: string[];
  disconnects: { key: string; message: string; cause: DisconnectCause }[];
  inDoubt: number;
  resent: number;
  code(key: string): number;
}

export function recorder(): Recording {
  const r: Recording = {
    messages: [],
    acks: [],
    codes: new Map(),
    errors: [],
    disconnects: [],
    inDoubt: 0,
    resent: 0,
    code: (key) => r.codes.get(key) ?? 0,
    events: {
      onMessage: (m) => r.messages.push(m),
      onAck: (m) => r.acks.push(m),
      onCode: (code, count = 1) => r.codes.set(code, (r.codes.get(code) ?? 0) + count),
      onError: (key, message) => r.errors.push(`${key}: ${message}`),
      onDisconnect: (key, message, cause) => r.disconnects.push({ key, message, cause }),
      onInDoubt: (count) => {
        r.inDoubt += count;
      },
      onResend: (count) => {
        r.resent += count;
      },
      onLatency: () => undefined,
    },
  };
  return r;
}

/** A stamped outgoing message with a distinct payload. */
export function outgoing(topic: string, seq: number): OutgoingMessage {
  return {
    topic,
    payload: Buffer.from(`m${seq}`),
    stamp: { stream: 1, seq, intendedUs: 1, sentUs: 1 },
  };
}
