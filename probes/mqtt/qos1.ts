// QoS 1, at least once (§4.3.2 in 3.1.1 and 5.0): every PUBLISH is acknowledged by PUBACK
// [MQTT-4.3.2-1], and the broker delivers every message to a QoS 1 subscriber, duplicates
// allowed. A PUBREC or PUBCOMP answering a QoS 1 PUBLISH is counted as violation|wrong_ack and
// fails protocol_errors.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'QoS 1 delivered at least once (PUBACK, no loss)',
  protocol: 'mqtt',
  section: 'qos',
  spec: 'MQTT 3.1.1 §4.3.2; 5.0 §4.3.2',
  variants: VERSIONS,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-qos1',
    duration: '1s',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 1 }),
        topic: 'probe/{run}/qos1/{id}',
        send: every('100ms'),
        messages: 5,
        payload: bytes(24),
      },
    },
    observers: { backend: { protocol: mqtt({ version, qos: 1 }), receives: ['meters'] } },
    thresholds: { 'meters.acked': ['rate == 1'], 'backend.loss': ['count == 0'] },
  };
});
