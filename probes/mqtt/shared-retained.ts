// Retained messages are sent for a new non-shared subscription only: a member joining a shared
// subscription gets none (5.0 §3.3.1.3, §4.8.2). A retained message that reaches a member is
// counted as errors mqtt.retained_to_shared_subscription and in its retained_delivered. The
// `control` late subscriber (non-shared) must get the retained messages, so a broker without
// any fails rather than passes.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'no retained messages to a new shared-subscription member',
  protocol: 'mqtt',
  section: 'shared',
  spec: 'MQTT 5.0 §3.3.1.3, §4.8.2',
  variants: [V5],
  notOffered: [
    {
      when: /shared_subscription_available=0|shared_not_supported/,
      because: 'the broker announced Shared Subscription Available 0 (CONNACK)',
    },
    { when: 'suback|158', because: 'the broker refused the $share subscription (SUBACK 0x9E)' },
    { when: 'retain_available=0', because: 'the broker announced Retain Available 0 (CONNACK)' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-shared-retained',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    meters: {
      count: 2,
      protocol: mqtt({ version: 5, qos: 1, retain: true }),
      topic: 'probe/{run}/shared-retained/{id}',
      send: every('500ms'),
      payload: bytes(24),
    },
  },
  observers: {
    members: {
      count: 2,
      share: 'members',
      protocol: mqtt({ version: 5, qos: 1 }),
      receives: ['meters'],
      startTime: '800ms',
    },
    control: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['meters'], startTime: '800ms' },
  },
  thresholds: {
    'members.retained_delivered': ['count == 0'],
    'control.retained_delivered': ['rate == 1'],
  },
}));
