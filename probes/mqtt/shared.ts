// A shared subscription ($share/{ShareName}/{filter}) delivers each message to one member of the
// group (5.0 §4.8.2): across the members, no loss at QoS 1 and no message twice.
//
// Not offered (n/a): 5.0 brokers announce Shared Subscription Available 0 (CONNACK §3.2.2.3.13)
// or refuse the filter with SUBACK 0x9E (§3.9.3). MQTT 3.1.1 has no shared subscriptions: the
// 3.1.1 row checks the extension most brokers offer 3.1.1 clients, and a refusal (SUBACK 0x80) is
// n/a. A 3.1.1 broker that takes '$share/…' as an ordinary filter delivers nothing to it (legal
// in 3.1.1, where '$' topics are the server's, §4.7.2): ✗ with the loss, as the client cannot
// tell that from a broken shared subscription.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5, V311, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'shared subscription: each message to one member of the group',
  protocol: 'mqtt',
  section: 'shared',
  spec: 'MQTT 5.0 §4.8.2, §3.2.2.3.13; 3.1.1: an extension',
  variants: [
    {
      ...V311,
      notOffered: [{ when: 'suback|128', because: 'the broker refused the $share subscription (SUBACK 0x80)' }],
    },
    {
      ...V5,
      notOffered: [
        ...(V5.notOffered ?? []),
        {
          when: 'suback|158',
          because: 'the broker refused the $share subscription (SUBACK 0x9E, shared subscriptions not supported)',
        },
      ],
    },
  ],
  notOffered: [
    {
      when: /shared_subscription_available=0|shared_not_supported/,
      because: 'the broker announced Shared Subscription Available 0 (CONNACK)',
    },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-shared',
    duration: '1s',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 1 }),
        topic: 'probe/{run}/shared/{id}',
        send: every('100ms'),
        messages: 5,
        payload: bytes(24),
      },
    },
    observers: { workers: { count: 2, share: 'workers', protocol: mqtt({ version, qos: 1 }), receives: ['meters'] } },
    thresholds: { 'workers.loss': ['count == 0'], 'workers.duplicates': ['count == 0'] },
  };
});
