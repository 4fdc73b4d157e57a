// A retained message reaches a subscriber that arrives after it was published: the broker keeps
// the last message of each topic sent with RETAIN 1 [MQTT-3.3.1-5] and sends it on a new
// subscription [MQTT-3.3.1-6]; 5.0 §3.3.1.3.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'retained message to a late subscriber',
  protocol: 'mqtt',
  section: 'retained',
  spec: 'MQTT 3.1.1 [MQTT-3.3.1-6]; 5.0 §3.3.1.3',
  variants: VERSIONS,
  notOffered: [{ when: 'retain_available=0', because: 'the broker announced Retain Available 0 (CONNACK)' }],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-retained',
    duration: '1500ms',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 1, retain: true }),
        topic: 'probe/{run}/retained/{id}',
        send: every('500ms'),
        payload: bytes(24),
      },
    },
    observers: {
      late: { protocol: mqtt({ version, qos: 1 }), receives: ['meters'], startTime: '800ms' },
    },
    thresholds: { 'late.retained_delivered': ['rate == 1'] },
  };
});
