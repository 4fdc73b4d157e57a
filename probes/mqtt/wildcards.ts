// Topic wildcards (§4.7.1 in 3.1.1 and 5.0): '+' matches exactly one level [MQTT-4.7.1-3], so
// 'wildcards/+/temp' takes 'wildcards/0/temp' but neither 'wildcards/0/hum' nor
// 'wildcards/0/x/temp'; '#' matches any number of levels, the parent level included
// [MQTT-4.7.1-2], so 'wildcards/#' takes all of them and 'wildcards' itself. Each fleet sends an
// exact number of messages, so `received` tells a filter that matches too much.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "topic wildcards: '+' one level, '#' any levels and the parent",
  protocol: 'mqtt',
  section: 'topics',
  spec: 'MQTT 3.1.1 [MQTT-4.7.1-2], [MQTT-4.7.1-3]; 5.0 §4.7.1.2, §4.7.1.3',
  variants: VERSIONS,
  notOffered: [
    { when: 'wildcard_not_supported', because: 'the broker announced Wildcard Subscription Available 0 (CONNACK)' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  // Each sends 2 messages per device.
  const sender = (count: number, topic: string) => ({
    count,
    protocol: mqtt({ version, qos: 1 }),
    topic,
    send: every('200ms'),
    messages: 2,
    payload: bytes(24),
  });
  return {
    name: 'probe-wildcards',
    duration: '1s',
    drain: '500ms',
    fleets: {
      temp: sender(2, 'probe/{run}/wildcards/{id}/temp'),
      hum: sender(1, 'probe/{run}/wildcards/{id}/hum'),
      deep: sender(1, 'probe/{run}/wildcards/{id}/x/temp'),
      parent: sender(1, 'probe/{run}/wildcards'),
    },
    observers: {
      plus: { protocol: mqtt({ version, qos: 1 }), receives: ['temp'], subscribe: 'probe/{run}/wildcards/+/temp' },
      hash: {
        protocol: mqtt({ version, qos: 1 }),
        receives: ['temp', 'hum', 'deep', 'parent'],
        subscribe: 'probe/{run}/wildcards/#',
      },
    },
    thresholds: {
      'plus.loss': ['count == 0'],
      'plus.received': ['count == 4'],
      'hash.loss': ['count == 0'],
      'hash.received': ['count == 10'],
    },
  };
});
