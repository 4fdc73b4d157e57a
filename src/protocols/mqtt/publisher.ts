// The PUBLISH side of the lean device: how its publishes look (QoS, RETAIN, 5.0 properties,
// shared by every device of a fleet), the limits and topic aliases the server's CONNACK set
// (§3.2.2.3, §3.3.2.3.4), in both directions, and each PUBLISH encoded into one buffer.
import type { IConnackPacket, IPublishPacket } from 'mqtt-packet';
import type { DeviceInit } from '../driver.ts';
import { encode, encodeProperties, encodePublish } from './codec.ts';
import { MqttConnection } from './connection.ts';
import { type PublishOptions, ServerLimits } from './limits.ts';
import type { ResolvedMqttOptions } from './options.ts';

/** One template per options object: the devices of a fleet share theirs. */
const templates = new WeakMap<ResolvedMqttOptions, PublishOptions>();
/** A template's 5.0 properties, encoded once. */
const templateBytes = new WeakMap<PublishOptions, Buffer>();

function templateOf(o: ResolvedMqttOptions): PublishOptions {
  let t = templates.get(o);
  if (!t) {
    t = { qos: o.qos, retain: o.retain };
    if (o.version === 5) {
      const properties: NonNullable<IPublishPacket['properties']> = {};
      if (o.messageExpirySec !== undefined) properties.messageExpiryInterval = o.messageExpirySec;
      if (o.userProperties) properties.userProperties = o.userProperties;
      // §3.3.2.3.2: 1 says the payload is UTF-8 text, 0 unspecified bytes.
      if (o.payloadFormat !== undefined) properties.payloadFormatIndicator = o.payloadFormat === 'utf8';
      // Without properties the PUBLISH takes the one-buffer path; its Property Length is 0 either way.
      if (Object.keys(properties).length > 0) t.properties = properties;
    }
    templates.set(o, t);
  }
  return t;
}

export abstract class MqttPublisher extends MqttConnection {
  protected readonly init: DeviceInit<ResolvedMqttOptions>;
  protected readonly template: PublishOptions;
  /** What the broker's CONNACK announced (5.0 §3.2.2.3); 3.1.1 announces nothing. */
  protected limits: ServerLimits | undefined;
  protected nextId = 0;
  /** The server's Topic Alias Maximum when the device asked for aliases (0: none are used). */
  private aliasMax = 0;
  /** Added to every alias: the server's maximum with honourLimits false, so the first is already beyond it. */
  private aliasBase = 0;
  private aliasesOut: Map<string, number> | undefined;
  private aliasesIn: Map<number, string> | undefined;

  constructor(init: DeviceInit<ResolvedMqttOptions>) {
    super();
    this.init = init;
    this.template = templateOf(init.options);
    if (init.options.version === 5) this.incomingLimit = init.options.maximumPacketSize ?? 0;
  }

  protected get version(): 4 | 5 {
    return this.init.options.version;
  }

  /** honourLimits false: an alias above the server's Topic Alias Maximum was set up. */
  protected abstract onAliasBeyond(): void;

  /** A new connection: aliases are per connection in both directions (§3.3.2.3.4). */
  protected resetAliases(): void {
    this.aliasMax = 0;
    this.aliasBase = 0;
    this.aliasesOut = undefined;
    this.aliasesIn = undefined;
  }

  protected connackLimits(props: IConnackPacket['properties']): void {
    if (this.version !== 5) return;
    this.limits ??= new ServerLimits(5, this.template, this.init.options.topicAlias);
    this.limits.connack(props);
    // §3.3.2.3.4: aliases are only used when the server's CONNACK allows them (Topic Alias Maximum).
    const o = this.init.options;
    const max = props?.topicAliasMaximum ?? 0;
    this.aliasMax = o.topicAlias ? max : 0;
    // honourLimits false: aliases from max + 1 up, every one beyond what the server allows
    // ([MQTT-3.2.2-17]; with none allowed, any alias breaks [MQTT-3.2.2-18]).
    if (o.topicAlias && !o.honourLimits) {
      this.aliasBase = max;
      this.aliasMax = 0xffff - max;
    }
  }

  /**
   * Writes one PUBLISH and returns its size. With aliases on, a topic's first PUBLISH sets up a
   * new alias (topic and alias both sent) and the later ones send the alias with an empty topic;
   * a resent PUBLISH (`aliases` false) carries its topic, as a new connection knows no alias.
   */
  protected publish(
    topic: string,
    payload: Buffer,
    o: PublishOptions,
    dup: boolean,
    messageId: number,
    aliases: boolean,
  ): number {
    let buf: Buffer;
    if (aliases && this.aliasMax > 0) {
      this.aliasesOut ??= new Map();
      const map = this.aliasesOut;
      let alias = map.get(topic);
      let name = '';
      if (alias === undefined && map.size < this.aliasMax) {
        alias = this.aliasBase + map.size + 1;
        map.set(topic, alias);
        name = topic;
        if (!this.init.options.honourLimits) this.onAliasBeyond();
      }
      const properties = alias === undefined ? o.properties : { ...o.properties, topicAlias: alias };
      buf = properties
        ? this.encodeWith(alias === undefined ? topic : name, payload, o, dup, messageId, properties)
        : encodePublish(topic, payload, o.qos, o.retain, dup, messageId, this.version);
    } else if (o.properties) buf = this.encodeWith(topic, payload, o, dup, messageId, o.properties);
    else buf = encodePublish(topic, payload, o.qos, o.retain, dup, messageId, this.version);
    this.write(buf, 'data');
    return buf.length;
  }

  /** A PUBLISH with properties: in one buffer when the codec knows them all, else by mqtt-packet. */
  private encodeWith(
    topic: string,
    payload: Buffer,
    o: PublishOptions,
    dup: boolean,
    messageId: number,
    properties: NonNullable<IPublishPacket['properties']>,
  ): Buffer {
    // The fleet's own properties are encoded once; a publish with others (an alias, a request's) each time.
    let bytes = properties === this.template.properties ? templateBytes.get(this.template) : undefined;
    if (!bytes) {
      bytes = encodeProperties(properties);
      if (bytes && properties === this.template.properties) templateBytes.set(this.template, bytes);
    }
    if (!bytes) return this.encodeFull(topic, payload, o, dup, messageId, properties);
    return encodePublish(topic, payload, o.qos, o.retain, dup, messageId, this.version, bytes);
  }

  private encodeFull(
    topic: string,
    payload: Buffer,
    o: PublishOptions,
    dup: boolean,
    messageId: number,
    properties: IPublishPacket['properties'],
  ): Buffer {
    const p: IPublishPacket = { cmd: 'publish', topic, payload, qos: o.qos, retain: o.retain, dup };
    if (o.qos > 0) p.messageId = messageId;
    if (properties) p.properties = properties;
    return encode(p, this.version);
  }

  /**
   * The topic of a received PUBLISH: a server's Topic Alias is set up by a PUBLISH with a topic
   * and stands for it in later ones with an empty topic (§3.3.2.3.4). An unknown alias is a
   * protocol error (0x94 Topic Alias invalid): the connection is closed, undefined returned.
   */
  protected incomingTopic(p: IPublishPacket): string | undefined {
    const alias = p.properties?.topicAlias;
    if (alias === undefined) return p.topic;
    this.aliasesIn ??= new Map();
    const map = this.aliasesIn;
    if (p.topic) {
      map.set(alias, p.topic);
      return p.topic;
    }
    const known = map.get(alias);
    if (known === undefined)
      this.abandon(new Error(`the broker used Topic Alias ${alias} before setting it up (§3.3.2.3.4)`));
    return known;
  }
}
