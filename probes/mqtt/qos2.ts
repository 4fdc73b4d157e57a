// QoS 2, exactly once (§4.3.3 in 3.1.1 and 5.0): the broker answers a QoS 2 PUBLISH with PUBREC,
// then PUBREL → PUBCOMP [MQTT-4.3.3-1], and delivers each message to a QoS 2 subscriber once: no
// loss, no duplicate. A PUBACK answering QoS 2 (RabbitMQ 3.10) is violation|wrong_ack and fails
// protocol_errors, named in the cell; a broker that closes the connection on a QoS 2 PUBLISH
// (NATS 2.9) fails with the messages lost and the outages.
//
// Not offered (n/a), per the spec:
// - 3.1.1: a SUBACK 0x80 (Failure) for the QoS 2 subscription. §3.9.3 lets a server refuse any
//   subscription; the client cannot get QoS 2 delivery from it.
// - 5.0: a CONNACK Maximum QoS below 2 (§3.2.2.3.4). A 5.0 server without QoS 2 MUST still accept
//   a QoS 2 SUBSCRIBE and grant less [MQTT-3.2.2-10], so there a SUBACK refusal is ✗.
// A SUBACK granting QoS 1 for 2 (RabbitMQ, NATS) is allowed (§3.9.3: "might grant a lower
// maximum QoS"): the delivery is then judged at QoS 1. The result's delivery promise says so
// ("broker granted QoS 1 of 2"); the cell, whose words come from thresholds and health checks,
// does not.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5, V311, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'QoS 2 delivered exactly once (PUBREC/PUBCOMP, no loss, no duplicate)',
  protocol: 'mqtt',
  section: 'qos',
  spec: 'MQTT 3.1.1 §4.3.3, §3.9.3; 5.0 §4.3.3, §3.2.2.3.4 [MQTT-3.2.2-10]',
  variants: [
    {
      ...V311,
      notOffered: [{ when: 'suback|128', because: 'the broker refused the QoS 2 subscription (SUBACK 0x80, §3.9.3)' }],
    },
    {
      ...V5,
      notOffered: [
        ...(V5.notOffered ?? []),
        { when: /announced\|maximum_qos=[01]$/, because: 'the broker announced a Maximum QoS below 2 (CONNACK)' },
      ],
    },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-qos2',
    duration: '1s',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 2 }),
        topic: 'probe/{run}/qos2/{id}',
        send: every('100ms'),
        messages: 5,
        payload: bytes(24),
      },
    },
    observers: { backend: { protocol: mqtt({ version, qos: 2 }), receives: ['meters'] } },
    thresholds: {
      'meters.acked': ['rate == 1'],
      'backend.loss': ['count == 0'],
      'backend.duplicates': ['count == 0'],
    },
  };
});
