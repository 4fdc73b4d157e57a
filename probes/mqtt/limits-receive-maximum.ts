// The broker keeps to the client's Receive Maximum: it never has more than that many QoS 1/2
// PUBLISH packets unacknowledged towards the client ([MQTT-3.3.4-9], 5.0 §3.1.2.11.3, §4.9). The
// subscriber announces Receive Maximum 2 and goes away for 800 ms with its session kept; on its
// return the broker owes it about 80 messages and sends them as fast as it may, while more come.
// The device counts a delivery beyond 2 unacknowledged as `violation|receive_maximum_exceeded`
// (it fails protocol_errors), and a delivery that filled the window as
// `publish|receive_maximum_reached`: the broker did send up to the limit, so the limit was what
// held it back.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "Receive Maximum: the broker keeps the client's limit of unacknowledged deliveries",
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 [MQTT-3.3.4-9] §3.1.2.11.3',
  variants: [V5],
  notOffered: [{ when: 'session|lost', because: 'the broker kept no session for the offline subscriber' }],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-receive-maximum',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    src: {
      count: 2,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/rm/{id}',
      send: every('20ms'),
      payload: bytes(32),
    },
  },
  observers: {
    slow: {
      protocol: mqtt({ version: 5, qos: 1, clean: false, sessionExpiry: '1m', receiveMaximum: 2 }),
      receives: ['src'],
      offline: { from: '200ms', to: '1000ms' },
    },
  },
  thresholds: {
    'slow.session_queued_lost': ['count == 0'],
    'slow.loss': ['rate == 0'],
    'slow.code(publish|receive_maximum_reached)': ['count >= 1'],
  },
}));
