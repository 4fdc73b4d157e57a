// MQTT reason codes in plain words: MQTT 5.0 §2.4 (Reason Code) and MQTT 3.1.1 §3.2.2.3
// (CONNACK return codes). Used for every ack, SUBACK and CONNACK the driver sees, and the
// driver's code book: the acks' reason codes, granted QoS in SUBACKs, DISCONNECT reasons.
import { formatHex } from '../../base/format.ts';
import { type CodeWords, codeBook } from '../../metrics/codes.ts';

const V5: Record<number, string> = {
  0x00: 'success',
  0x01: 'granted QoS 1',
  0x02: 'granted QoS 2',
  0x04: 'disconnect with Will message',
  0x10: 'no matching subscribers',
  0x11: 'no subscription existed',
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8b: 'server shutting down',
  0x8c: 'bad authentication method',
  0x8d: 'keep alive timeout',
  0x8e: 'session taken over',
  0x8f: 'topic filter invalid',
  0x90: 'topic name invalid',
  0x91: 'packet identifier in use',
  0x92: 'packet identifier not found',
  0x93: 'receive maximum exceeded',
  0x94: 'topic alias invalid',
  0x95: 'packet too large',
  0x96: 'message rate too high',
  0x97: 'quota exceeded',
  0x98: 'administrative action',
  0x99: 'payload format invalid',
  0x9a: 'retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9e: 'shared subscriptions not supported',
  0x9f: 'connection rate exceeded',
  0xa0: 'maximum connect time',
  0xa1: 'subscription identifiers not supported',
  0xa2: 'wildcard subscriptions not supported',
};

/** MQTT 3.1.1 §3.2.2.3 Table 3.1: CONNACK return codes. */
const V311_CONNACK: Record<number, string> = {
  0: 'connection accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/**
 * A refusing CONNACK's code in words. In 5.0 a CONNACK reason below 0x80 other than 0x00 does not
 * exist (§3.2.2.2.3): a code 0x01..0x05 answering an MQTT 5 CONNECT is a 3.1.1 return code
 * (§3.2.2.3), sent by a broker that speaks 3.1.1 only (NATS answers 0x01, unacceptable protocol
 * version). Reading it with the 5.0 table would call it "granted QoS 1".
 */
export function connackReason(code: number, version: number): string {
  if (version === 5 && code >= 0x80) return `${V5[code] ?? 'unknown reason'} (reason code ${formatHex(code)})`;
  const words = V311_CONNACK[code] ?? 'unknown reason';
  return version === 5 ? `${words} (3.1.1 return code ${formatHex(code)})` : `${words} (return code ${code})`;
}

/** What to do about a refusing CONNACK, when its code says more than its words. */
export function connackHint(code: number, version: number): string | undefined {
  if (version === 5 && code > 0 && code < 0x80)
    return code === 0x01
      ? 'the broker answered an MQTT 5 CONNECT with an MQTT 3.1.1 CONNACK: it speaks 3.1.1 only; set version: 4 (or 3.1.1)'
      : 'the broker answered an MQTT 5 CONNECT with an MQTT 3.1.1 CONNACK: it may speak 3.1.1 only; try version: 4 (or 3.1.1)';
  if (version === 5 && code === 0x84) return 'the broker does not speak MQTT 5; set version: 4 (or 3.1.1)';
  return undefined;
}

export function reasonWords(code: number): string {
  return V5[code] ?? 'unknown reason';
}

/** SUBACK failure: 0x80 in 3.1.1 (§3.9.3), any code ≥ 0x80 in 5.0 (§3.9.3). */
export function isSubackFailure(code: number): boolean {
  return code >= 0x80;
}

/** An ack's or DISCONNECT's reason code; 0x10 (no matching subscribers) and 0x11 are not errors, but nobody got the message. */
const reason = {
  describe(code: string): CodeWords {
    const n = Number(code);
    return { meaning: `${reasonWords(n)} (${formatHex(n)})`, notable: n >= 0x10 };
  },
};

export const MQTT_CODES = codeBook({
  puback: reason,
  pubrec: reason,
  pubrel: reason,
  pubcomp: reason,
  unsuback: reason,
  disconnect: reason,
  // §3.2.2.3: the limits the server's CONNACK announced, as 'name=value', once per connect.
  announced: {
    describe(code: string): CodeWords {
      const [name = code, value = ''] = code.split('=');
      return { meaning: `the broker announced ${name.replace(/_/g, ' ')} ${value} (CONNACK)`, notable: false };
    },
  },
  // §3.2.2.3: a limit the server's CONNACK did not announce, so the protocol's default holds
  // (Receive Maximum 65,535, no Maximum Packet Size, Topic Alias Maximum 0, every QoS, retained,
  // wildcard and shared subscriptions and Subscription Identifiers available). 5.0 only.
  unannounced: {
    describe(code: string): CodeWords {
      return {
        meaning: `the broker's CONNACK did not announce ${code.replace(/_/g, ' ')} (the default holds)`,
        notable: false,
      };
    },
  },
  // honourLimits false: what the device sent although the server's CONNACK ruled it out, by the
  // refusal it would otherwise have been (packet_too_large, qos_not_supported, topic_alias, ...).
  beyond: {
    describe(code: string): CodeWords {
      return {
        meaning: `sent beyond a limit the broker announced (${code.replace(/_/g, ' ')}), on purpose (honourLimits: false)`,
        notable: false,
      };
    },
  },
  // What arrived in the PUBLISH packets a device received (5.0): the Payload Format Indicator
  // as sent (§3.3.2.3.2), each User Property pair (§3.3.2.3.7), each Subscription Identifier (§3.3.2.3.8), RETAIN 1 on a subscription
  // with Retain As Published (§3.8.3.1), a delivery that filled the device's Receive Maximum.
  publish: {
    describe(code: string): CodeWords {
      const [name = code, ...rest] = code.split('=');
      const value = rest.join('=');
      const words: Record<string, string> = {
        payload_format: `delivered with Payload Format Indicator ${value}`,
        user_property: `delivered with User Property ${value}`,
        subscription_id: `delivered with Subscription Identifier ${value}`,
        retain: `delivered with RETAIN ${value} (Retain As Published)`,
        receive_maximum_reached:
          "a delivery that filled the device's Receive Maximum of unacknowledged QoS 1/2 messages",
      };
      return { meaning: words[name] ?? code.replace(/_/g, ' '), notable: false };
    },
  },
  // The broker broke the protocol in what it answered.
  violation: {
    notable: true,
    codes: {
      // §4.3.2, §4.3.3: QoS 1 is acknowledged by PUBACK, QoS 2 by PUBREC then PUBCOMP.
      wrong_ack: {
        meaning:
          'an acknowledgement of the wrong type for the QoS sent (PUBACK for QoS 2, PUBREC or PUBCOMP for QoS 1): the QoS flow was not kept',
        fails: true,
      },
      // [MQTT-3.3.4-9]: the server keeps at most the client's Receive Maximum unacknowledged.
      receive_maximum_exceeded: {
        meaning:
          "a QoS 1/2 delivery beyond the device's Receive Maximum: the broker had more unacknowledged PUBLISH packets out to it than the device allows [MQTT-3.3.4-9]",
        fails: true,
      },
      // [MQTT-3.1.2-24]: the server must not send packets above the client's Maximum Packet Size.
      packet_above_maximum: {
        meaning: "a packet larger than the device's Maximum Packet Size [MQTT-3.1.2-24]",
        fails: true,
      },
      // [MQTT-3.1.2-26], [MQTT-3.1.2-27]: no topic alias above the client's Topic Alias Maximum (none when 0).
      topic_alias_above_maximum: {
        meaning:
          "a topic alias above the device's Topic Alias Maximum [MQTT-3.1.2-26] (none allowed when it is 0, [MQTT-3.1.2-27])",
        fails: true,
      },
      // [MQTT-3.3.4-3]: a delivery carries the Subscription Identifier of the subscription it matched.
      subscription_id_missing: {
        meaning: "a delivery without the Subscription Identifier of the device's subscription [MQTT-3.3.4-3]",
        fails: true,
      },
      // [MQTT-3.3.1-11]: Retain Handling 2 sends no retained message on subscribing. Without Retain
      // As Published a live delivery carries RETAIN 0 ([MQTT-3.3.1-12]): RETAIN 1 is from the store.
      retained_despite_handling: {
        meaning: 'a retained message sent to a subscription with Retain Handling 2 [MQTT-3.3.1-11]',
        fails: true,
      },
    },
  },
  // §3.2.2.2 CONNACK Session Present, on every connect. `lost`: the device kept its session
  // (clean: false), had connected before, and the broker answered that it has none.
  session: {
    codes: {
      present: { meaning: 'session resumed (CONNACK session present)' },
      absent: { meaning: 'new session (CONNACK session absent)' },
      lost: {
        meaning: 'session lost: the broker had no session to resume; in-flight messages were not resent',
        notable: true,
      },
    },
  },
  // [MQTT-3.9.3]: the QoS granted per filter, or a refusal (≥ 0x80).
  suback: {
    describe(code: string): CodeWords {
      const n = Number(code);
      return isSubackFailure(n)
        ? { meaning: `subscription refused: ${reasonWords(n)} (${formatHex(n)})`, notable: true }
        : { meaning: `granted QoS ${n}`, notable: false };
    },
  },
});
