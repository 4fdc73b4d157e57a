// The `mqtt({...})` builder and the validation of its options.

import { type Checker, fieldsOf } from '../../base/check.ts';
import { defaults } from '../../base/defaults.ts';
import type { ProtocolSpec } from '../../base/spec.ts';
import type { Duration } from '../../base/units.ts';
import { type ResolvedTls, resolveTls, type TlsOptions } from '../tls.ts';

export type QoS = 0 | 1 | 2;

export interface MqttOptions {
  /** 4 (= 3.1.1, default) or 5. '3.1.1' and '5.0' are accepted too. */
  version?: 4 | 5 | '3.1.1' | '5' | '5.0';
  /** QoS for publishes and subscriptions (default 0). */
  qos?: QoS;
  retain?: boolean;
  /** Clean session (3.1.1) / clean start (5.0); default true. */
  clean?: boolean;
  /** MQTT 5 Session Expiry Interval (§3.1.2.11.2), whole seconds ('5m'); with clean: false keeps the session. 0: ends with the connection. */
  sessionExpiry?: Duration;
  /** Keep Alive (§3.1.2.10), whole seconds, default '60s'; 0 turns it off. A bare number is milliseconds: 30 is refused. */
  keepalive?: Duration;
  /**
   * Last Will published by the broker if the device vanishes without DISCONNECT. MQTT 5 `delay`:
   * the Will Delay Interval (§3.1.3.2.2), whole seconds: the broker waits this long, and sends
   * nothing if the device is back within it [MQTT-3.1.3-9].
   */
  will?: { topic: string; payload?: string; qos?: QoS; retain?: boolean; delay?: Duration };
  /** MQTT 5 Message Expiry Interval on every publish (§3.3.2.3.3), whole seconds, at least 1s. */
  messageExpiry?: Duration;
  /** MQTT 5 User Properties on every publish (§3.3.2.3.7). */
  userProperties?: Record<string, string>;
  /** MQTT 5 topic aliases (§3.3.2.3.4): replace repeated topics by a 2-byte alias. */
  topicAlias?: boolean;
  /** MQTT 5 Receive Maximum the device announces (§3.1.2.11.3). */
  receiveMaximum?: number;
  /** MQTT 5 Maximum Packet Size the device announces (§3.1.2.11.4), bytes: the broker must not send it larger packets [MQTT-3.1.2-24]. */
  maximumPacketSize?: number;
  /** MQTT 5 Topic Alias Maximum the device announces (§3.1.2.11.5): how many topic aliases the broker may use towards it (default 0: none). */
  topicAliasMaximum?: number;
  /** MQTT 5 Payload Format Indicator on every publish (§3.3.2.3.2): 'utf8' (1, the payload is UTF-8 text) or 'bytes' (0). */
  payloadFormat?: 'utf8' | 'bytes';
  /** MQTT 5 subscription option No Local (§3.8.3.1): the broker does not send the device its own publishes [MQTT-3.8.3-3]. */
  noLocal?: boolean;
  /** MQTT 5 subscription option Retain As Published (§3.8.3.1): deliveries keep the publisher's RETAIN flag [MQTT-3.3.1-13]. */
  retainAsPublished?: boolean;
  /** MQTT 5 subscription option Retain Handling (§3.8.3.1): retained messages on subscribing: 0 always, 1 for a new subscription only, 2 never. */
  retainHandling?: 0 | 1 | 2;
  /** MQTT 5 Subscription Identifier of the device's subscriptions (§3.8.2.1.2), 1 to 268,435,455: every delivery carries it [MQTT-3.3.4-3]. */
  subscriptionIdentifier?: number;
  /**
   * false: the device announces its Keep Alive but sends no PINGREQ for it (a device that breaks
   * [MQTT-3.1.2-20]; 3.1.1 [MQTT-3.1.2-23]), to see the broker close it after 1.5 × Keep Alive.
   */
  pings?: boolean;
  /**
   * MQTT 5. false: the device does not keep to the limits the broker's CONNACK announced (§3.2.2.3):
   * it sends what they rule out, to see the broker refuse it. Default true.
   */
  honourLimits?: boolean;
  /** Most unacknowledged QoS 1/2 publishes per device; further sends count as dropped (default 100). */
  inflight?: number;
  username?: string;
  password?: string;
  /** Client id template: {run} {fleet} {id}; default 'fb-{run}-{fleet}-{id}'. */
  clientId?: string;
  /** Which entry of the scenario's `targets` to use (default 'mqtt'). */
  target?: string;
  /** For mqtts:// targets with a self-signed certificate. */
  tls?: TlsOptions;
  /** TCP_NODELAY on the device's socket (default true); false lets Nagle batch small packets. */
  tcpNoDelay?: boolean;
  /**
   * The device's client id may be another group's, on purpose: its connect takes that session
   * over ([MQTT-3.1.4-2]; 5.0 [MQTT-3.1.4-3], DISCONNECT 0x8E to the other). Without it such a
   * scenario is refused when it loads.
   */
  takeover?: boolean;
}

/** Options after validation, with defaults applied and units resolved. */
export interface ResolvedMqttOptions {
  version: 4 | 5;
  qos: QoS;
  retain: boolean;
  clean: boolean;
  sessionExpirySec: number | undefined;
  keepaliveSec: number;
  will: { topic: string; payload: string; qos: QoS; retain: boolean; delaySec: number | undefined } | undefined;
  messageExpirySec: number | undefined;
  userProperties: Record<string, string> | undefined;
  topicAlias: boolean;
  receiveMaximum: number | undefined;
  maximumPacketSize: number | undefined;
  topicAliasMaximum: number | undefined;
  payloadFormat: 'utf8' | 'bytes' | undefined;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  subscriptionIdentifier: number | undefined;
  pings: boolean;
  honourLimits: boolean;
  inflight: number;
  username: string | undefined;
  password: string | undefined;
  clientId: string;
  target: string;
  /** `ca` is the path as given, `caPem` its contents, read once while validating. */
  tls: ResolvedTls;
  tcpNoDelay: boolean;
  takeover: boolean;
}

export const MQTT_DEFAULTS = {
  version: 4,
  qos: 0,
  keepaliveSec: 60,
  inflight: 100,
  clientId: defaults.clientId,
  target: 'mqtt',
} as const;

const FIELDS = fieldsOf<MqttOptions>()([
  'version',
  'qos',
  'retain',
  'clean',
  'sessionExpiry',
  'keepalive',
  'will',
  'messageExpiry',
  'userProperties',
  'topicAlias',
  'receiveMaximum',
  'maximumPacketSize',
  'topicAliasMaximum',
  'payloadFormat',
  'noLocal',
  'retainAsPublished',
  'retainHandling',
  'subscriptionIdentifier',
  'pings',
  'honourLimits',
  'inflight',
  'username',
  'password',
  'clientId',
  'target',
  'tls',
  'tcpNoDelay',
  'takeover',
]);

export function mqtt(options: MqttOptions = {}): ProtocolSpec<'mqtt', MqttOptions> {
  return { protocol: 'mqtt', options };
}

const VERSIONS: Record<string, 4 | 5> = { '4': 4, '3.1.1': 4, '5': 5, '5.0': 5 };

export function resolveMqttOptions(raw: unknown, path: string, check: Checker): ResolvedMqttOptions | undefined {
  const o = raw === undefined ? {} : check.object(path, raw);
  if (!o) return undefined;
  check.known(path, o, FIELDS);
  const at = (field: string): string => `${path}.${field}`;
  const version = o.version === undefined ? MQTT_DEFAULTS.version : VERSIONS[String(o.version)];
  if (version === undefined) check.fail(at('version'), '4 (MQTT 3.1.1) or 5 (MQTT 5.0)', o.version);
  const v5Only = [
    'sessionExpiry',
    'messageExpiry',
    'userProperties',
    'topicAlias',
    'receiveMaximum',
    'maximumPacketSize',
    'topicAliasMaximum',
    'payloadFormat',
    'noLocal',
    'retainAsPublished',
    'retainHandling',
    'subscriptionIdentifier',
    'honourLimits',
  ] as const;
  if (version === 4)
    for (const f of v5Only) if (o[f] !== undefined) check.note(at(f), 'is an MQTT 5 feature; set version: 5');
  let will: ResolvedMqttOptions['will'];
  if (o.will !== undefined) {
    const w = check.object(at('will'), o.will);
    if (w) {
      check.known(at('will'), w, ['topic', 'payload', 'qos', 'retain', 'delay']);
      const topic = check.string(at('will.topic'), w.topic);
      const payload =
        w.payload === undefined
          ? ''
          : typeof w.payload === 'string'
            ? w.payload
            : check.fail(at('will.payload'), 'a string', w.payload);
      const qos = check.oneOf<QoS>(at('will.qos'), w.qos, [0, 1, 2], 0);
      if (version === 4 && w.delay !== undefined) check.note(at('will.delay'), 'is an MQTT 5 feature; set version: 5');
      // §3.1.3.2.2: the Will Delay Interval in seconds; 0 (the default) publishes the will at once.
      const delaySec = check.seconds(at('will.delay'), w.delay, {
        zero: 'publishes the will at once',
        max: 0xffffffff,
      });
      if (topic !== undefined && payload !== undefined && qos !== undefined)
        will = { topic, payload, qos, retain: check.boolean(at('will.retain'), w.retain, false), delaySec };
    }
  }
  let userProperties: Record<string, string> | undefined;
  if (o.userProperties !== undefined) {
    const u = check.object(at('userProperties'), o.userProperties);
    if (u && Object.values(u).every((v) => typeof v === 'string')) userProperties = u as Record<string, string>;
    else if (u) check.fail(at('userProperties'), 'an object of string values', o.userProperties);
  }
  const tls = resolveTls(check, at('tls'), o.tls);
  // Fields the wire carries in whole seconds: a bare number is milliseconds like every duration,
  // so `keepalive: 30` is 30ms and refused, never rounded down to 0 (check.seconds).
  const keepaliveSec = check.seconds(at('keepalive'), o.keepalive, {
    fallback: MQTT_DEFAULTS.keepaliveSec,
    // §3.1.2.10: Keep Alive 0 turns the keep alive mechanism off.
    zero: 'turns keep alive off (§3.1.2.10); write it as 0 only to mean that',
    max: 65535,
  });
  // §3.1.2.11.2: a Session Expiry Interval of 0 ends the session with the connection; at most 0xFFFFFFFF.
  const sessionExpirySec = check.seconds(at('sessionExpiry'), o.sessionExpiry, {
    zero: 'ends the session with the connection (§3.1.2.11.2)',
    max: 0xffffffff,
  });
  // §3.3.2.3.3: the lifetime of the message in seconds; omit it for a message that never expires.
  const messageExpirySec = check.seconds(at('messageExpiry'), o.messageExpiry, { max: 0xffffffff });
  const resolved = {
    version: version ?? 4,
    qos: check.oneOf<QoS>(at('qos'), o.qos, [0, 1, 2], MQTT_DEFAULTS.qos),
    retain: check.boolean(at('retain'), o.retain, false),
    clean: check.boolean(at('clean'), o.clean, true),
    sessionExpirySec,
    keepaliveSec: keepaliveSec ?? MQTT_DEFAULTS.keepaliveSec,
    will,
    messageExpirySec,
    userProperties,
    topicAlias: check.boolean(at('topicAlias'), o.topicAlias, false),
    receiveMaximum:
      o.receiveMaximum === undefined ? undefined : check.integer(at('receiveMaximum'), o.receiveMaximum, 1, 65535),
    // §3.1.2.11.4: a Four Byte Integer, 0 is a protocol error; no packet is larger than 268,435,460 bytes (§2.2.3).
    maximumPacketSize:
      o.maximumPacketSize === undefined
        ? undefined
        : check.integer(at('maximumPacketSize'), o.maximumPacketSize, 1, 268_435_460),
    topicAliasMaximum:
      o.topicAliasMaximum === undefined
        ? undefined
        : check.integer(at('topicAliasMaximum'), o.topicAliasMaximum, 0, 65535),
    payloadFormat:
      o.payloadFormat === undefined
        ? undefined
        : check.oneOf<'utf8' | 'bytes'>(at('payloadFormat'), o.payloadFormat, ['utf8', 'bytes']),
    noLocal: check.boolean(at('noLocal'), o.noLocal, false),
    retainAsPublished: check.boolean(at('retainAsPublished'), o.retainAsPublished, false),
    retainHandling: check.oneOf<0 | 1 | 2>(at('retainHandling'), o.retainHandling, [0, 1, 2], 0) ?? 0,
    // §3.8.2.1.2: a Variable Byte Integer from 1 to 268,435,455; 0 is a protocol error.
    subscriptionIdentifier:
      o.subscriptionIdentifier === undefined
        ? undefined
        : check.integer(at('subscriptionIdentifier'), o.subscriptionIdentifier, 1, 268_435_455),
    pings: check.boolean(at('pings'), o.pings, true),
    honourLimits: check.boolean(at('honourLimits'), o.honourLimits, true),
    inflight: check.integer(at('inflight'), o.inflight, 1, 65535, MQTT_DEFAULTS.inflight),
    username: check.string(at('username'), o.username, true),
    password:
      o.password === undefined
        ? undefined
        : typeof o.password === 'string'
          ? o.password
          : check.fail(at('password'), 'a string', o.password),
    clientId: check.string(at('clientId'), o.clientId, true) ?? MQTT_DEFAULTS.clientId,
    target: check.string(at('target'), o.target, true) ?? MQTT_DEFAULTS.target,
    tls,
    tcpNoDelay: check.boolean(at('tcpNoDelay'), o.tcpNoDelay, true),
    takeover: check.boolean(at('takeover'), o.takeover, false),
  };
  // §3.1.3.2.2: the will goes at the delay's end or the session's, whichever is first; a session
  // that ends with the connection sends it at once.
  if ((will?.delaySec ?? 0) > 0 && (sessionExpirySec ?? 0) === 0)
    check.note(
      at('will.delay'),
      'has no effect without a sessionExpiry: the session ends with the connection and the broker publishes the will at once (§3.1.3.2.2)',
    );
  if (!resolved.pings && resolved.keepaliveSec === 0)
    check.note(at('pings'), 'false needs a keep alive to break: set keepalive (§3.1.2.10)');
  return resolved.qos === undefined || resolved.inflight === undefined ? undefined : (resolved as ResolvedMqttOptions);
}
