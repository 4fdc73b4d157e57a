// The MQTT driver (MQTT.js): MQTT 3.1.1 and 5.0 over mqtt://, mqtts://, ws:// and wss://.
import type { Driver } from '../driver.ts';
import { MqttDevice } from './device.ts';
import { startEmbeddedMqtt } from './embedded.ts';
import { type ResolvedMqttOptions, resolveMqttOptions } from './options.ts';

const LABELS = ['QoS 0 (at most once)', 'QoS 1 (at least once)', 'QoS 2 (exactly once)'] as const;

export const mqttDriver: Driver<ResolvedMqttOptions> = {
  name: 'mqtt',
  schemes: ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl'],
  resolveOptions: resolveMqttOptions,
  createDevice: (init, events) => new MqttDevice(init, events),
  promise(from, to, receiverCodes) {
    // [MQTT-3.9.3]: the broker may grant a lower QoS than requested (RabbitMQ grants 1 for 2);
    // the lowest QoS granted to any receiver device is what the promise rests on.
    let granted = to.qos;
    for (const [key, n] of receiverCodes) {
      const [packet, code] = key.split('|');
      if (packet === 'suback' && n > 0 && Number(code) < 0x80) granted = Math.min(granted, Number(code)) as 0 | 1 | 2;
    }
    // §4.3: a message is delivered at the lower of the publish QoS and the granted subscription QoS.
    const qos = Math.min(from.qos, granted) as 0 | 1 | 2;
    const label = granted < to.qos ? `${LABELS[qos]}, broker granted QoS ${granted} of ${to.qos}` : LABELS[qos];
    return { label, noLoss: qos >= 1, noDuplicates: qos === 2 || qos === 0 };
  },
  startEmbedded: startEmbeddedMqtt,
  // §4.3.2, §4.3.3: QoS 1 ends at PUBACK, QoS 2 at PUBCOMP; QoS 0 has no acknowledgement.
  acknowledges: (o) => o.qos > 0,
  // §3.1.2.10: without other traffic the client sends PINGREQ (2 B, §3.12) within the keep alive; the broker answers PINGRESP (2 B, §3.13).
  keepalive: (o) => (o.keepaliveSec > 0 ? { intervalS: o.keepaliveSec, txBytes: 2, rxBytes: 2 } : undefined),
};

export { MqttDevice } from './device.ts';
export { type MqttOptions, mqtt, type ResolvedMqttOptions } from './options.ts';
