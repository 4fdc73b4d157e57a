// Retain Handling (5.0 §3.8.3.1): on subscribing, 0 sends the retained messages
// [MQTT-3.3.1-9], 1 sends them when the subscription is new [MQTT-3.3.1-10], 2 never
// [MQTT-3.3.1-11]. Three late subscribers join a fleet that publishes with RETAIN 1: `rh0` and
// `rh1` (a new subscription) get one retained message per topic, `rh2` none (counted as
// `violation|retained_despite_handling` if it does) and the live stream all the same. Not
// probed: Retain Handling 1 on a subscription that already exists (sent none).
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Retain Handling: 0 and 1 send retained messages on a new subscription, 2 never',
  protocol: 'mqtt',
  section: 'subscription options',
  spec: 'MQTT 5.0 [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] §3.8.3.1',
  variants: [V5],
  notOffered: [{ when: 'retain_available=0', because: 'the broker announced Retain Available 0 (CONNACK)' }],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-subopt-retain-handling',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    meters: {
      count: 2,
      protocol: mqtt({ version: 5, qos: 1, retain: true }),
      topic: 'probe/{run}/rh/{id}',
      send: every('300ms'),
      payload: bytes(32),
    },
  },
  observers: {
    rh0: { protocol: mqtt({ version: 5, qos: 1, retainHandling: 0 }), receives: ['meters'], startTime: '800ms' },
    rh1: { protocol: mqtt({ version: 5, qos: 1, retainHandling: 1 }), receives: ['meters'], startTime: '800ms' },
    rh2: { protocol: mqtt({ version: 5, qos: 1, retainHandling: 2 }), receives: ['meters'], startTime: '800ms' },
  },
  thresholds: {
    'rh0.retained_delivered': ['rate == 1'],
    'rh1.retained_delivered': ['rate == 1'],
    'rh2.loss': ['rate == 0'],
  },
}));
