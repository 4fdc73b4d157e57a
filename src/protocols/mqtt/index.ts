// The MQTT driver, its own client on mqtt-packet: MQTT 3.1.1 and 5.0 over mqtt://, mqtts://, ws:// and wss://.
import { countOf, countsUnder } from '../../metrics/codes.ts';
import type { Driver } from '../driver.ts';
import { topicFilterProblem, topicFiltersFor } from '../topics.ts';
import { isSubackFailure, MQTT_CODES } from './codes.ts';
import { MqttDevice } from './device.ts';
import { startEmbeddedMqtt } from './embedded.ts';
import { type ResolvedMqttOptions, resolveMqttOptions } from './options.ts';
import { keepsSession } from './session.ts';

const SHORT = ['QoS 0', 'QoS 1', 'QoS 2'] as const;
const PROMISE = ['at most once', 'at least once', 'exactly once'] as const;

export const mqttDriver = {
  name: 'mqtt',
  title: 'MQTT',
  schemes: ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl'],
  secureSchemes: ['mqtts', 'wss', 'ssl'],
  // MQTT 3.1.1 §4.2: IANA registers 1883 (8883 with TLS).
  defaultPort: 1883,
  transport: 'tcp',
  ackLabel: 'publish → ack',
  codes: MQTT_CODES,
  // A device with pings: false: from its last packet to the broker closing the connection, which
  // a broker does after 1.5 × Keep Alive of silence ([MQTT-3.1.2-22]; 3.1.1 [MQTT-3.1.2-24]).
  latencies: { idle_close: 'silent device: last packet → broker closed' },
  resolveOptions: resolveMqttOptions,
  createDevice: (init, events) => new MqttDevice(init, events),
  promise(from, to, receiverCodes, senderCodes = new Map()) {
    // [MQTT-3.9.3]: the broker may grant a lower QoS than requested (RabbitMQ grants 1 for 2);
    // the lowest QoS granted to any receiver device is what the promise rests on.
    let granted = to.qos;
    for (const [code, n] of Object.entries(countsUnder(receiverCodes, MQTT_CODES.keys.suback))) {
      const qos = Number(code);
      if (n > 0 && !isSubackFailure(qos)) granted = Math.min(granted, qos) as 0 | 1 | 2;
    }
    // §4.3.2: a broker that answered QoS 2 publishes with PUBACK ran a QoS 1 flow with the sender
    // (violation|wrong_ack, which also fails the run's protocol_errors check).
    const wrongAck = from.qos === 2 && countOf(senderCodes, MQTT_CODES.keys.violation.wrong_ack) > 0;
    const sent = wrongAck ? 1 : from.qos;
    // §4.3: a message is delivered at the lower of the publish QoS and the granted subscription QoS.
    const qos = Math.min(sent, granted) as 0 | 1 | 2;
    let label = `${SHORT[qos]} (${PROMISE[qos]})`;
    if (wrongAck) label += ', broker answered QoS 2 with PUBACK';
    return {
      label: granted < to.qos ? `${label}, broker granted QoS ${granted} of ${to.qos}` : label,
      short: SHORT[qos],
      noLoss: qos >= 1,
      noDuplicates: qos === 2 || qos === 0,
    };
  },
  // [MQTT-3.1.4-2]: a CONNECT with a client id already connected takes that session over.
  uniqueClientIds: true,
  // The parts of a CONNECT a broker accepts or refuses: version, credentials, TLS.
  connectionKey: (o) => [o.version, o.username, o.password, o.tls],
  startEmbedded: startEmbeddedMqtt,
  embeddedHint: (o, group) =>
    o.version === 5
      ? {
          message: `the embedded broker (aedes) speaks MQTT 3.1.1 only; ${group.name} asks for MQTT 5. Pass --target ${group.target}=mqtt://127.0.0.1:1883 to use a broker that speaks 5.0.`,
          reasonCode: 'EMBEDDED_V5',
        }
      : undefined,
  // A topic filter per sender: its topic with {id} levels as '+' (§4.7).
  subscriptionsFor: topicFiltersFor,
  filterProblem: topicFilterProblem,
  // MQTT 5 §4.8.2: a shared subscription is '$share/{ShareName}/{filter}'.
  sharedFilter: (share, filter) => `$share/${share}/${filter}`,
  // [MQTT-3.3.1-5]: a PUBLISH with RETAIN 1 is stored and sent to future subscribers of its topic
  // ([MQTT-3.3.1-6]), unless they subscribe with Retain Handling 2 ([MQTT-3.3.1-11]).
  retains: (o, receiver) => o.retain && receiver?.retainHandling !== 2,
  // [MQTT-3.1.2-4] / 5.0 §3.1.2.11.2: Clean Session 0, or Clean Start 0 with a Session Expiry above 0.
  keepsSession,
  sessionHint: 'clean: false, and with version 5 a sessionExpiry',
  // §3.1.2.5: the server publishes the Will Message when the connection closes without DISCONNECT.
  lastWill: (o) => (o.will ? { topic: o.will.topic, options: { ...o, qos: o.will.qos } } : undefined),
  // §4.3.2, §4.3.3: QoS 1 ends at PUBACK, QoS 2 at PUBCOMP; QoS 0 has no acknowledgement.
  acknowledges: (o) => o.qos > 0,
  // §3.1.2.10: without other traffic the client sends PINGREQ (2 B, §3.12) within the keep alive; the broker answers PINGRESP (2 B, §3.13).
  keepalive: (o) => (o.keepaliveSec > 0 ? { intervalS: o.keepaliveSec, txBytes: 2, rxBytes: 2 } : undefined),
} satisfies Driver<ResolvedMqttOptions>;

export { MqttDevice } from './device.ts';
export { type MqttOptions, mqtt, type ResolvedMqttOptions } from './options.ts';
