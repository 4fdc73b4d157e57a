// Retain Available 0 (5.0 §3.2.2.3.5): a retained PUBLISH to a broker that said it keeps none is
// a protocol error and the connection is closed (DISCONNECT 0x9A, Retain not supported). The
// device ignores the announcement on purpose (`honourLimits: false`), counted as
// `beyond|retain_not_supported`.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Retain Available 0: a retained publish is refused',
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 §3.2.2.3.5 [MQTT-3.2.2-14]',
  variants: [V5],
  notOffered: [
    { when: 'unannounced|retain_available', because: 'the broker announced no Retain Available: it keeps retained messages' },
    { when: 'announced|retain_available=1', because: 'the broker announced Retain Available 1' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-retain-available',
  duration: '1000ms',
  drain: '400ms',
  fleets: {
    keeper: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, retain: true, honourLimits: false }),
      topic: 'probe/{run}/retainav/{id}',
      send: every('100ms'),
      messages: 1,
      // Back at once after the broker closes the connection; nothing more to send.
      reconnect: { initial: '100ms', jitter: 'none' },
      payload: bytes(32),
    },
  },
  thresholds: {
    'keeper.code(beyond|retain_not_supported)': ['count == 1'],
    'keeper.disconnects': ['count >= 1'],
  },
}));
