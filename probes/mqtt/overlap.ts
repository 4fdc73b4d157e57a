// Overlapping subscriptions of one client ('overlap/+/temp' and 'overlap/#', both QoS 1): every
// message matching both is delivered at least once at the maximum QoS of the matching
// subscriptions, and the broker MAY send one further copy per further matching subscription
// (3.1.1 §3.3.5 [MQTT-3.3.5-1]; 5.0 §3.3.4 [MQTT-3.3.4-2]). So 4 messages give 4 to 8 deliveries,
// and the cell shows which the broker does. (The driver subscribes every filter at one QoS, so
// "the maximum QoS" of two different ones is not checked.)
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'overlapping subscriptions: each message at least once, at most once per matching filter',
  protocol: 'mqtt',
  section: 'topics',
  spec: 'MQTT 3.1.1 §3.3.5 [MQTT-3.3.5-1]; 5.0 §3.3.4 [MQTT-3.3.4-2]',
  variants: VERSIONS,
  notOffered: [
    { when: 'wildcard_not_supported', because: 'the broker announced Wildcard Subscription Available 0 (CONNACK)' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-overlap',
    duration: '1s',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 1 }),
        topic: 'probe/{run}/overlap/{id}/temp',
        send: every('200ms'),
        messages: 2,
        payload: bytes(24),
      },
    },
    observers: {
      backend: {
        protocol: mqtt({ version, qos: 1 }),
        receives: ['meters'],
        subscribe: ['probe/{run}/overlap/+/temp', 'probe/{run}/overlap/#'],
      },
    },
    thresholds: { 'backend.loss': ['count == 0'], 'backend.received': ['count <= 8'] },
  };
});
