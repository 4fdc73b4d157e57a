// What an MQTT 5 server announces in its CONNACK (§3.2.2.3) and the client must honour in what
// it sends: Receive Maximum, Maximum Packet Size, Maximum QoS, Retain Available, Topic Alias
// Maximum, Wildcard and Shared Subscription Available. A publish that would break one is not
// sent (the client's duty, not the server's), and is counted by name instead.
import { generate, type IConnackPacket, type IPublishPacket } from 'mqtt-packet';
import { mqttPacketBytes } from '../../power/accounting.ts';

type ConnackProperties = NonNullable<IConnackPacket['properties']>;

/** How a device publishes: QoS, RETAIN and, in 5.0, the properties of every PUBLISH. */
export interface PublishOptions {
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: IPublishPacket['properties'];
}

/** Why a send or a subscription was refused before it reached the wire, by error code. */
export interface Refusal {
  /** The error key's tail: `mqtt.<code>`. */
  code:
    | 'packet_too_large'
    | 'qos_not_supported'
    | 'retain_not_supported'
    | 'wildcard_not_supported'
    | 'shared_not_supported'
    | 'subscription_ids_not_supported';
  message: string;
}

/**
 * The announced values the driver honours, as counted under `announced|<name>=<value>`, and
 * (`unannounced`) the limits a 5.0 CONNACK left out, whose protocol default then holds.
 */
export function announced(p: ConnackProperties | undefined): { announced: string[]; unannounced: string[] } {
  const out: string[] = [];
  const missing: string[] = [];
  const add = (name: string, v: number | boolean | undefined): void => {
    if (v !== undefined) out.push(`${name}=${typeof v === 'boolean' ? Number(v) : v}`);
    else if (name !== 'server_keep_alive') missing.push(name);
  };
  if (!p) p = {};
  add('receive_maximum', p.receiveMaximum);
  add('maximum_packet_size', p.maximumPacketSize);
  add('maximum_qos', p.maximumQoS);
  add('retain_available', p.retainAvailable);
  add('topic_alias_maximum', p.topicAliasMaximum);
  add('wildcard_subscription_available', p.wildcardSubscriptionAvailable);
  add('shared_subscription_available', p.sharedSubscriptionAvailable);
  add('subscription_identifiers_available', p.subscriptionIdentifiersAvailable);
  // [MQTT-3.2.2-21]: the client uses the server's Keep Alive instead of its own (device.ts does).
  add('server_keep_alive', p.serverKeepAlive);
  return { announced: out, unannounced: missing };
}

/** The bytes of a PUBLISH with an empty topic and payload and `options`: the part of its size that does not vary. */
function fixedRemaining(options: PublishOptions, version: 4 | 5): number {
  const total = generate(
    {
      cmd: 'publish',
      topic: '',
      payload: Buffer.alloc(0),
      qos: options.qos ?? 0,
      dup: false,
      retain: options.retain ?? false,
      ...(options.qos ? { messageId: 1 } : {}),
      ...(version === 5 ? { properties: options.properties ?? {} } : {}),
    },
    { protocolVersion: version },
  ).length;
  for (let v = 1; v <= 4; v++) if (mqttPacketBytes(total - 1 - v) === total) return total - 1 - v;
  return total - 2;
}

export class ServerLimits {
  private props: ConnackProperties = {};
  private fixed: number | undefined;

  constructor(
    private readonly version: 4 | 5,
    private readonly publishOptions: PublishOptions,
    /** Whether the device asked for topic aliases: a new alias adds its 3-byte property (§3.3.2.3.4). */
    private readonly topicAlias: boolean,
  ) {}

  /** A new connection's CONNACK: 3.1.1 announces nothing (every limit is the protocol's own). */
  connack(properties: ConnackProperties | undefined): void {
    this.props = this.version === 5 ? (properties ?? {}) : {};
  }

  /**
   * Why a PUBLISH of `topic` and `payload` with `options` must not be sent on this connection,
   * or undefined when it may. `exact` sizes a publish whose properties differ from the device's
   * own (request/response properties).
   */
  refusePublish(topic: string, payload: Buffer, options: PublishOptions, exact: boolean): Refusal | undefined {
    const p = this.props;
    const qos = options.qos ?? 0;
    // [MQTT-3.2.2-11]: a client must not send a PUBLISH above the server's Maximum QoS.
    if (p.maximumQoS !== undefined && qos > p.maximumQoS)
      return {
        code: 'qos_not_supported',
        message: `the broker's CONNACK allows QoS ${p.maximumQoS} at most (Maximum QoS); a QoS ${qos} publish would be a protocol error [MQTT-3.2.2-11]`,
      };
    // [MQTT-3.2.2-14]: with Retain Available 0 the client must not set RETAIN.
    if (p.retainAvailable === false && options.retain)
      return {
        code: 'retain_not_supported',
        message: `the broker's CONNACK says Retain Available 0; a retained publish would be a protocol error [MQTT-3.2.2-14]`,
      };
    const max = p.maximumPacketSize;
    if (max === undefined) return undefined;
    const size = this.publishSize(topic, payload, options, exact);
    // [MQTT-3.2.2-15] / [MQTT-3.1.2-24]: never send a packet larger than the server's Maximum Packet Size.
    if (size > max)
      return {
        code: 'packet_too_large',
        message: `a ${size}-byte PUBLISH exceeds the broker's Maximum Packet Size of ${max} bytes (CONNACK) [MQTT-3.2.2-15]; it was not sent`,
      };
    return undefined;
  }

  /** Why SUBSCRIBE to `filter` must not be sent, when the CONNACK said the server has no such subscriptions. */
  refuseFilter(filter: string, subscriptionId = false): Refusal | undefined {
    // §3.2.2.3.12: with Subscription Identifiers Available 0, a SUBSCRIBE carrying one is a protocol error (0xA1).
    if (subscriptionId && this.props.subscriptionIdentifiersAvailable === false)
      return {
        code: 'subscription_ids_not_supported',
        message: `the broker's CONNACK says Subscription Identifiers Available 0; ${filter} was not subscribed with a Subscription Identifier`,
      };
    // §3.2.2.3.16, §3.2.2.3.18: a client that subscribes anyway gets DISCONNECT 0xA2 / 0x9E.
    if (this.props.sharedSubscriptionAvailable === false && filter.startsWith('$share/'))
      return {
        code: 'shared_not_supported',
        message: `the broker's CONNACK says Shared Subscription Available 0; ${filter} was not subscribed`,
      };
    if (this.props.wildcardSubscriptionAvailable === false && /(^|\/)[+#](\/|$)/.test(filter))
      return {
        code: 'wildcard_not_supported',
        message: `the broker's CONNACK says Wildcard Subscription Available 0; ${filter} was not subscribed`,
      };
    return undefined;
  }

  /**
   * A PUBLISH's size on the wire. The device's own properties are sized once; a topic alias is
   * counted as if it were set up on this packet (topic and alias both sent, the larger case).
   */
  private publishSize(topic: string, payload: Buffer, options: PublishOptions, exact: boolean): number {
    if (exact)
      return mqttPacketBytes(fixedRemaining(options, this.version) + Buffer.byteLength(topic) + payload.length);
    this.fixed ??= fixedRemaining(this.publishOptions, this.version);
    const alias = this.topicAlias && (this.props.topicAliasMaximum ?? 0) > 0 ? 3 : 0;
    return mqttPacketBytes(this.fixed + Buffer.byteLength(topic) + payload.length + alias);
  }
}
