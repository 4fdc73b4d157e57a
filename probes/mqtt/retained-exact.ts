// A retained message reaches a late subscriber whose filter is the exact topic, no wildcard
// [MQTT-3.3.1-6]; 5.0 §3.3.1.3. retained.ts subscribes with '+'; RabbitMQ's MQTT plugin sends
// retained messages for exact filters only (rabbitmq-server#8824), so the two rows tell that
// limitation apart from having no retained messages at all.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'retained message to a late subscriber (exact topic filter)',
  protocol: 'mqtt',
  section: 'retained',
  spec: 'MQTT 3.1.1 [MQTT-3.3.1-6]; 5.0 §3.3.1.3',
  variants: VERSIONS,
  notOffered: [{ when: 'retain_available=0', because: 'the broker announced Retain Available 0 (CONNACK)' }],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-retained-exact',
    duration: '1500ms',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 1, retain: true }),
        topic: 'probe/{run}/retained-exact/{id}',
        send: every('500ms'),
        payload: bytes(24),
      },
    },
    observers: {
      late: {
        protocol: mqtt({ version, qos: 1 }),
        receives: ['meters'],
        subscribe: ['probe/{run}/retained-exact/0', 'probe/{run}/retained-exact/1'],
        startTime: '800ms',
      },
    },
    thresholds: { 'late.retained_delivered': ['rate == 1'] },
  };
});
