// Wildcard Subscription Available 0 (5.0 §3.2.2.3.11): a SUBSCRIBE with '+' or '#' to a broker
// that said it has none is refused: SUBACK 0xA2 (Wildcard Subscriptions not supported, §3.9.3)
// or DISCONNECT 0xA2. The observer's filter `probe/<run>/wild/+` is subscribed anyway
// (`honourLimits: false`, counted as `beyond|wildcard_not_supported`); either refusal counts in
// its errors.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Wildcard Subscription Available 0: a wildcard subscription is refused',
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 §3.2.2.3.11 §3.9.3',
  variants: [V5],
  notOffered: [
    {
      when: 'unannounced|wildcard_subscription_available',
      because: 'the broker announced no Wildcard Subscription Available: it has them',
    },
    { when: 'announced|wildcard_subscription_available=1', because: 'the broker announced Wildcard Subscription Available 1' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-wildcard',
  duration: '500ms',
  drain: '200ms',
  fleets: {
    src: { count: 1, protocol: mqtt({ version: 5 }), topic: 'probe/{run}/wild/{id}', send: every('200ms'), payload: bytes(32) },
  },
  observers: { wild: { protocol: mqtt({ version: 5, honourLimits: false }), receives: ['src'] } },
  expect: { disconnects: ['wild'] },
  thresholds: {
    'wild.code(beyond|wildcard_not_supported)': ['count >= 1'],
    'wild.errors': ['count >= 1'],
  },
}));
