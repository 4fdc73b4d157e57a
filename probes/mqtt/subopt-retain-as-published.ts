// Retain As Published (5.0 §3.8.3.1): a subscription with the option gets each message with the
// RETAIN flag its publisher set [MQTT-3.3.1-13]; one without gets RETAIN 0 on every message it
// was subscribed for when it was published [MQTT-3.3.1-12]. The fleet publishes with RETAIN 1
// to subscribers that were there first: `rap` counts the flag of each delivery
// (`publish|retain=1` / `=0`); at `plain` a RETAIN 1 would count as a retained delivery, not a
// live one, and show as loss.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Retain As Published: the RETAIN flag is kept on forwarding, and cleared without it',
  protocol: 'mqtt',
  section: 'subscription options',
  spec: 'MQTT 5.0 [MQTT-3.3.1-12] [MQTT-3.3.1-13] §3.8.3.1',
  variants: [V5],
  notOffered: [{ when: 'retain_available=0', because: 'the broker announced Retain Available 0 (CONNACK)' }],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-subopt-retain-as-published',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    pub: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, retain: true }),
      topic: 'probe/{run}/rap/{id}',
      send: every('200ms'),
      messages: 4,
      payload: bytes(32),
    },
  },
  observers: {
    rap: { protocol: mqtt({ version: 5, qos: 1, retainAsPublished: true }), receives: ['pub'] },
    plain: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['pub'] },
  },
  thresholds: {
    // Every delivery (rate: per message received) with RETAIN 1.
    'rap.code(publish|retain=1)': ['rate == 1'],
    'rap.loss': ['rate == 0'],
    'plain.loss': ['rate == 0'],
  },
}));
