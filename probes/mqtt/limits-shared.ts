// Shared Subscription Available 0 (5.0 §3.2.2.3.13): a SUBSCRIBE to `$share/...` on a broker that
// said it has none is refused: SUBACK 0x9E (Shared Subscriptions not supported, §3.9.3) or
// DISCONNECT 0x9E. The observer subscribes anyway (`honourLimits: false`, counted as
// `beyond|shared_not_supported`); either refusal counts in its errors.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Shared Subscription Available 0: a shared subscription is refused',
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 §3.2.2.3.13 §3.9.3',
  variants: [V5],
  notOffered: [
    {
      when: 'unannounced|shared_subscription_available',
      because: 'the broker announced no Shared Subscription Available: it has them',
    },
    { when: 'announced|shared_subscription_available=1', because: 'the broker announced Shared Subscription Available 1' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-shared',
  duration: '500ms',
  drain: '200ms',
  fleets: {
    src: { count: 1, protocol: mqtt({ version: 5 }), topic: 'probe/{run}/shared', send: every('200ms'), payload: bytes(32) },
  },
  observers: { group: { protocol: mqtt({ version: 5, honourLimits: false }), receives: ['src'], share: 'probe' } },
  expect: { disconnects: ['group'] },
  thresholds: {
    'group.code(beyond|shared_not_supported)': ['count >= 1'],
    'group.errors': ['count >= 1'],
  },
}));
