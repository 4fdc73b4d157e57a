// Subscription Identifiers (5.0 §3.8.2.1.2): a subscription made with one gets it on every
// message it matches [MQTT-3.3.4-3]. `tagged` subscribes with identifier 42; each delivery's
// identifiers count as `publish|subscription_id=<n>`, and one without 42 as
// `violation|subscription_id_missing`.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "Subscription Identifier: each delivery carries its subscription's identifier",
  protocol: 'mqtt',
  section: 'subscription options',
  spec: 'MQTT 5.0 [MQTT-3.3.4-3] §3.8.2.1.2',
  variants: [V5],
  notOffered: [
    {
      when: 'subscription_identifiers_available=0',
      because: 'the broker announced Subscription Identifiers Available 0 (CONNACK)',
    },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-subopt-subscription-id',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    src: {
      count: 2,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/subid/{id}',
      send: every('200ms'),
      messages: 3,
      payload: bytes(32),
    },
  },
  observers: { tagged: { protocol: mqtt({ version: 5, qos: 1, subscriptionIdentifier: 42 }), receives: ['src'] } },
  thresholds: {
    // Every delivery (rate: per message received) with identifier 42.
    'tagged.code(publish|subscription_id=42)': ['rate == 1'],
    'tagged.loss': ['rate == 0'],
  },
}));
