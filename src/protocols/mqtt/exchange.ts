// The packet exchanges of the lean device's session (between connection.ts's bytes and
// device.ts's lifecycle): QoS 1/2 flows both ways (§4.3), acknowledgements matched to the
// stamped messages by packet identifier, SUBACKs, and a kept session's resend after CONNACK.
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { formatHex } from '../../base/format.ts';
import { nowUs } from '../../metrics/clock.ts';
import type { DeviceEvents, DeviceInit } from '../driver.ts';
import { encodeAck } from './codec.ts';
import { isSubackFailure, MQTT_CODES, reasonWords } from './codes.ts';
import type { PublishOptions } from './limits.ts';
import type { ResolvedMqttOptions } from './options.ts';
import { MqttPublisher } from './publisher.ts';
import { keepsSession, MqttSession } from './session.ts';

const C = MQTT_CODES.keys;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  /** A SUBSCRIBE's filters; none for a raw publish. */
  filters?: string[];
}

export abstract class MqttExchange extends MqttPublisher {
  protected readonly session: MqttSession;
  /** SUBSCRIBE and raw QoS > 0 publishes waiting for their ack, by packet identifier. */
  protected waiting: Map<number, Waiter> | undefined;
  /** Every filter subscribed is a shared subscription ($share/...): a retained message to it is a violation. */
  protected sharedOnly = false;

  constructor(
    init: DeviceInit<ResolvedMqttOptions>,
    protected readonly events: DeviceEvents,
  ) {
    super(init);
    this.session = new MqttSession(keepsSession(this.init.options));
  }

  /** Waits for the ack of packet identifier `id` (a SUBACK when `filters` are given). */
  protected wait(id: number, filters?: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      if (filters) w.filters = filters;
      this.waiting ??= new Map();
      this.waiting.set(id, w);
    });
  }

  /** §4.3.3 (method B): a QoS 2 message is delivered once, at its PUBREL, then PUBCOMP. */
  protected onPubrel(id: number): void {
    const held = this.session.incoming.del({ messageId: id }) as IPublishPacket | undefined;
    if (held) this.deliver(held.topic, held);
    this.write(encodeAck('pubcomp', id, this.version), 'data');
    if (held) this.queueAck();
  }

  /** [MQTT-4.4.0-1]: the session's unacknowledged PUBLISH packets again with DUP=1, and its PUBREL packets. */
  protected replay(): void {
    for (const p of this.session.outgoing.replay()) {
      const id = p.messageId ?? 0;
      if (p.cmd === 'publish') {
        this.publish(p.topic, p.payload as Buffer, p, true, id, false);
        if (this.session.tracks(id)) this.events.onResend(1);
      } else this.write(encodeAck('pubrel', id, this.version), 'data');
    }
  }

  protected onPublish(p: IPublishPacket): void {
    if (this.version === 5) this.inspect(p);
    const topic = this.incomingTopic(p);
    if (topic === undefined) return;
    const id = p.messageId ?? 0;
    if (p.qos === 2) {
      // [MQTT-4.3.3-9]: held until its PUBREL, however often it comes (DUP); PUBREC each time.
      this.session.incoming.put({ ...p, topic });
      this.write(encodeAck('pubrec', id, this.version), 'data');
      return;
    }
    this.deliver(topic, p);
    // §3.4: PUBACK with reason 0x00 (omitted in 5.0, §3.4.2.1).
    if (p.qos === 1) {
      this.write(encodeAck('puback', id, this.version), 'data');
      this.queueAck();
    }
  }

  /**
   * What a 5.0 PUBLISH says beyond its message, counted under `publish|…`, and what it must not
   * be, counted as a violation: a topic alias above the device's Topic Alias Maximum, one
   * delivery too many for its Receive Maximum, a missing Subscription Identifier.
   */
  private inspect(p: IPublishPacket): void {
    const o = this.init.options;
    const props = p.properties;
    const alias = props?.topicAlias;
    if (alias !== undefined && alias > (o.topicAliasMaximum ?? 0))
      this.violation(
        'topic_alias_above_maximum',
        `the broker used Topic Alias ${alias}, above the device's Topic Alias Maximum of ${o.topicAliasMaximum ?? 0} [MQTT-3.1.2-26]`,
      );
    if (p.qos > 0) {
      // [MQTT-3.3.4-9]. A lower bound of what the broker had unacknowledged when it sent this
      // one: it cannot have read an acknowledgement the device had not yet handed to the stream.
      const unacked = ++this.inboundPublishes - this.acksFlushed;
      const max = o.receiveMaximum ?? 0xffff;
      if (unacked > max)
        this.violation(
          'receive_maximum_exceeded',
          `the broker had at least ${unacked} QoS ${p.qos} deliveries unacknowledged, above the device's Receive Maximum of ${max} [MQTT-3.3.4-9]`,
        );
      else if (unacked === max && o.receiveMaximum !== undefined)
        this.events.onCode(C.publish.of('receive_maximum_reached'));
    }
    if (props?.payloadFormatIndicator !== undefined)
      this.events.onCode(C.publish.of(`payload_format=${Number(props.payloadFormatIndicator)}`));
    // [MQTT-3.3.2-17]: the broker forwards every User Property unaltered; each pair is counted.
    if (props?.userProperties) this.userProperties(props.userProperties);
    const ids = props?.subscriptionIdentifier;
    const own = o.subscriptionIdentifier;
    if (ids !== undefined || own !== undefined) this.subscriptionIds(p, ids, own);
    if (o.retainAsPublished) this.events.onCode(C.publish.of(`retain=${p.retain ? 1 : 0}`));
    else if (p.retain && o.retainHandling === 2)
      this.violation(
        'retained_despite_handling',
        `the broker sent the retained message of ${p.topic || `alias ${alias}`} to a subscription with Retain Handling 2 [MQTT-3.3.1-11]`,
      );
  }

  protected onAliasBeyond(): void {
    this.events.onCode(C.beyond.of('topic_alias'));
  }

  /** Each User Property pair a delivery carries, as 'user_property=<name>:<value>' (a name may repeat, §3.3.2.3.7). */
  private userProperties(props: Record<string, string | string[]>): void {
    for (const [name, value] of Object.entries(props))
      for (const v of Array.isArray(value) ? value : [value])
        this.events.onCode(C.publish.of(`user_property=${name}:${v}`));
  }

  /** [MQTT-3.3.4-3]: each identifier a delivery carries is counted; the device's own must be among them. */
  private subscriptionIds(p: IPublishPacket, ids: number | number[] | undefined, own: number | undefined): void {
    const list = ids === undefined ? [] : Array.isArray(ids) ? ids : [ids];
    for (const n of list) this.events.onCode(C.publish.of(`subscription_id=${n}`));
    if (own !== undefined && !list.includes(own))
      this.violation(
        'subscription_id_missing',
        `a delivery on ${p.topic || `alias ${p.properties?.topicAlias}`} came ${list.length ? `with Subscription Identifier ${list.join(', ')}` : 'without a Subscription Identifier'}, not the subscription's ${own} [MQTT-3.3.4-3]`,
      );
  }

  /** [MQTT-3.1.2-24]: the broker sent a packet above the device's Maximum Packet Size. */
  protected override onOversize(size: number): void {
    this.violation(
      'packet_above_maximum',
      `the broker sent a ${size}-byte packet, above the device's Maximum Packet Size of ${this.incomingLimit} bytes [MQTT-3.1.2-24]`,
    );
  }

  private violation(
    code:
      | 'receive_maximum_exceeded'
      | 'packet_above_maximum'
      | 'topic_alias_above_maximum'
      | 'subscription_id_missing'
      | 'retained_despite_handling',
    message: string,
  ): void {
    this.events.onCode(C.violation[code]);
    this.events.onError(`mqtt.${code}`, `${this.init.clientId}: ${message}`);
  }

  protected deliver(topic: string, p: IPublishPacket): void {
    // 5.0 §4.8.2, §3.3.1.3: retained messages are sent for a new Non-shared Subscription only;
    // one sent to a member of a shared subscription is a broker's protocol violation.
    if (p.retain && this.sharedOnly)
      this.events.onError(
        'mqtt.retained_to_shared_subscription',
        `${this.init.clientId}: the broker sent a retained message on ${topic} to a shared subscription (MQTT 5 §4.8.2)`,
      );
    const props = p.properties;
    this.events.onMessage({
      topic,
      payload: p.payload as Buffer,
      receivedUs: nowUs(),
      // §3.8.3.1: with Retain As Published a live delivery keeps its publisher's RETAIN 1, so the
      // flag no longer tells a message from the retained store: every delivery counts as live.
      retained: p.retain && !this.init.options.retainAsPublished,
      ...(props?.responseTopic === undefined ? {} : { replyTo: props.responseTopic }),
      ...(props?.correlationData === undefined ? {} : { correlation: props.correlationData }),
    });
  }

  protected onAck(cmd: 'puback' | 'pubrec' | 'pubcomp', id: number, reason: number): void {
    // 3.1.1 acks carry no reason code; 5.0 omits it when it is 0x00 (§3.4.2.1).
    this.events.onCode(C[cmd].of(reason));
    const outgoing = this.session.outgoing;
    if (!outgoing.has(id)) return;
    if (this.wrongAck(cmd, id)) {
      outgoing.del({ messageId: id });
      return;
    }
    // §4.3.3: a PUBREC below 0x80 goes on with PUBREL; QoS 2 ends at PUBCOMP.
    if (cmd === 'pubrec' && reason < 0x80) {
      const pubrel = { cmd: 'pubrel', qos: 2, messageId: id } as Packet;
      outgoing.put(pubrel);
      this.write(encodeAck('pubrel', id, this.version), 'data');
      return;
    }
    outgoing.del({ messageId: id });
    this.settleWaiter(id);
    const message = this.session.settle(id);
    if (!message) return;
    // §3.4.2.1: 0x10 (no matching subscribers) is a success; ≥ 0x80 a refusal.
    if (reason < 0x80) this.events.onAck(message, nowUs(), undefined);
    else
      this.events.onError(
        `mqtt.publish_${reason}`,
        `${this.init.clientId}: publish refused: ${reasonWords(reason)} (${formatHex(reason)})`,
      );
  }

  /**
   * §4.3.2, §4.3.3: QoS 1 ends at PUBACK; QoS 2 goes PUBREC, PUBREL, PUBCOMP. An ack of the
   * other flow for one of our messages (RabbitMQ's MQTT plugin answers QoS 2 with PUBACK) is the
   * broker breaking the protocol: the message ends unacknowledged, counted as
   * errors.mqtt.wrong_ack and under violation|wrong_ack.
   */
  protected wrongAck(cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number): boolean {
    const qos = this.template.qos;
    const wrong = qos === 2 ? cmd === 'puback' : qos === 1 && cmd !== 'puback';
    if (!wrong || !this.session.tracks(messageId)) return false;
    this.session.settle(messageId);
    this.events.onCode(C.violation.wrong_ack);
    this.events.onError(
      'mqtt.wrong_ack',
      `${this.init.clientId}: the broker answered a QoS ${qos} PUBLISH with ${cmd.toUpperCase()} (expected ${qos === 2 ? 'PUBREC, then PUBCOMP' : 'PUBACK'}, §4.3); the message is not counted as acknowledged`,
    );
    return true;
  }

  protected onSuback(id: number, granted: number[]): void {
    const w = this.waiting?.get(id);
    if (!w?.filters) return;
    this.unwait(id);
    for (const [i, g] of granted.entries()) {
      this.events.onCode(C.suback.of(g));
      // [MQTT-3.9.3] a granted code ≥ 0x80 is a refusal of that filter.
      if (isSubackFailure(g)) {
        w.reject(
          Object.assign(new Error(`subscription to ${w.filters[i]} refused: ${reasonWords(g)}`), {
            code: `SUBACK_${g}`,
          }),
        );
        return;
      }
    }
    for (const f of w.filters) this.session.subscribed.add(f);
    w.resolve();
  }

  protected settleWaiter(id: number): void {
    const w = this.waiting?.get(id);
    if (!w || w.filters) return;
    this.unwait(id);
    w.resolve();
  }

  /** Forgets a waiter; the map goes with the last one (an idle device keeps none). */
  private unwait(id: number): void {
    this.waiting?.delete(id);
    if (this.waiting?.size === 0) this.waiting = undefined;
  }

  protected dropWaiters(why: string): void {
    if (!this.waiting?.size) return;
    for (const w of this.waiting.values()) w.reject(new Error(why));
    this.waiting = undefined;
  }

  /** A packet identifier free in the session and among the waiting SUBSCRIBEs ([MQTT-2.3.1-2]). */
  protected newId(): number {
    for (;;) {
      this.nextId = (this.nextId % 0xffff) + 1;
      if (!this.session.uses(this.nextId) && !this.waiting?.has(this.nextId)) return this.nextId;
    }
  }

  protected store(topic: string, payload: Buffer, o: PublishOptions, messageId: number): void {
    const p: IPublishPacket = { cmd: 'publish', topic, payload, qos: o.qos, retain: o.retain, dup: false, messageId };
    if (o.properties) p.properties = o.properties;
    this.session.outgoing.put(p);
  }

  protected inDoubt(count: number): void {
    if (count > 0) this.events.onInDoubt(count);
  }
}
