// The broker's Maximum QoS (5.0 §3.2.2.3.4): a PUBLISH above it is a protocol error and the
// connection is closed (DISCONNECT 0x9B, QoS not supported); a SUBSCRIBE asking for more is still
// accepted ([MQTT-3.2.2-10]), at the QoS the broker grants. `high` ignores the limit on purpose
// (`honourLimits: false`) and publishes at QoS 2, counted as `beyond|qos_not_supported`.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "Maximum QoS: a publish above the broker's limit is refused, a subscription above it accepted",
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 §3.2.2.3.4 [MQTT-3.2.2-10]',
  variants: [V5],
  notOffered: [
    { when: 'unannounced|maximum_qos', because: 'the broker announced no Maximum QoS: it takes QoS 2' },
    { when: 'announced|maximum_qos=2', because: 'the broker announced Maximum QoS 2: nothing is above it' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-maximum-qos',
  duration: '1000ms',
  drain: '400ms',
  fleets: {
    high: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 2, honourLimits: false }),
      topic: 'probe/{run}/maxqos/{id}',
      send: every('100ms'),
      messages: 1,
      // Back at once after the broker closes the connection; nothing more to send.
      reconnect: { initial: '100ms', jitter: 'none' },
      payload: bytes(32),
    },
  },
  observers: { sub2: { protocol: mqtt({ version: 5, qos: 2 }), receives: ['high'] } },
  thresholds: {
    'high.code(beyond|qos_not_supported)': ['count == 1'],
    'high.disconnects': ['count >= 1'],
    'sub2.errors': ['count == 0'],
  },
}));
