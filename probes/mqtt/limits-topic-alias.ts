// The broker's Topic Alias Maximum (5.0 §3.2.2.3.8): aliases up to it are accepted
// ([MQTT-3.3.2-12]) and stand for their topic (§3.3.2.3.4: `watch` gets the aliased messages on
// their topics); one above it is a protocol error ([MQTT-3.2.2-17]) and the connection is closed
// (DISCONNECT 0x94, Topic Alias invalid). `beyond` ignores the limit on purpose
// (`honourLimits: false`): its first alias is the maximum + 1, counted as `beyond|topic_alias`.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "Topic Alias Maximum: aliases within the broker's limit resolve, one above it is refused",
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 [MQTT-3.3.2-12] [MQTT-3.2.2-17] §3.2.2.3.8 §3.3.2.3.4',
  variants: [V5],
  notOffered: [
    { when: 'unannounced|topic_alias_maximum', because: 'the broker announced no Topic Alias Maximum: it takes no aliases' },
    { when: 'announced|topic_alias_maximum=0', because: 'the broker announced Topic Alias Maximum 0: it takes no aliases' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-topic-alias',
  duration: '1000ms',
  drain: '500ms',
  fleets: {
    within: {
      count: 2,
      protocol: mqtt({ version: 5, qos: 1, topicAlias: true }),
      topic: 'probe/{run}/alias/in/{id}',
      send: every('100ms'),
      payload: bytes(32),
    },
    beyond: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, topicAlias: true, honourLimits: false }),
      topic: 'probe/{run}/alias/out/{id}',
      send: every('100ms'),
      messages: 1,
      // Back at once after the broker closes the connection; nothing more to send.
      reconnect: { initial: '100ms', jitter: 'none' },
      payload: bytes(32),
    },
  },
  observers: { watch: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['within'] } },
  thresholds: {
    'within.acked': ['rate == 1'],
    'watch.loss': ['rate == 0'],
    'beyond.code(beyond|topic_alias)': ['count == 1'],
    'beyond.disconnects': ['count >= 1'],
  },
}));
