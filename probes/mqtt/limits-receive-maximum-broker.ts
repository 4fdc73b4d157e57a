// The broker's own Receive Maximum (5.0 §3.2.2.3.3): the client keeps at most that many QoS 1
// PUBLISH packets unacknowledged ([MQTT-3.3.4-7]; the device caps its in-flight window at the
// announced value and drops what does not fit, `dropped|window_full`), and the broker accepts
// what is sent within it: acknowledged, with no refusing reason code (an error, e.g.
// `mqtt.publish_147`) and no DISCONNECT 0x93 (Receive Maximum exceeded).
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "Receive Maximum: publishes within the broker's announced limit are accepted",
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 §3.2.2.3.3 [MQTT-3.3.4-7]',
  variants: [V5],
  notOffered: [{ when: 'unannounced|receive_maximum', because: 'the broker announced no Receive Maximum (CONNACK)' }],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-receive-maximum-broker',
  duration: '1000ms',
  drain: '500ms',
  fleets: {
    pub: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/rmb/{id}',
      send: every('5ms'),
      payload: bytes(32),
    },
  },
  thresholds: {
    'pub.acked': ['count >= 2'],
    'pub.errors': ['count == 0'],
    'pub.disconnects': ['count == 0'],
  },
}));
