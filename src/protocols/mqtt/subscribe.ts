// The SUBSCRIBE a device sends (§3.8): every filter at the device's QoS, and in 5.0 the
// subscription options of §3.8.3.1 (No Local, Retain As Published, Retain Handling) on each
// filter and the Subscription Identifier (§3.8.2.1.2) on the packet.
import type { ISubscribePacket } from 'mqtt-packet';
import type { ResolvedMqttOptions } from './options.ts';

export function subscribePacket(
  filters: readonly string[],
  o: ResolvedMqttOptions,
  messageId: number,
): ISubscribePacket {
  const v5 = o.version === 5;
  const packet: ISubscribePacket = {
    cmd: 'subscribe',
    messageId,
    subscriptions: filters.map((topic) =>
      v5 ? { topic, qos: o.qos, nl: o.noLocal, rap: o.retainAsPublished, rh: o.retainHandling } : { topic, qos: o.qos },
    ),
  };
  if (v5 && o.subscriptionIdentifier !== undefined)
    packet.properties = { subscriptionIdentifier: o.subscriptionIdentifier };
  return packet;
}
