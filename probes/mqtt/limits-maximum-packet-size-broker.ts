// The broker's own Maximum Packet Size (5.0 §3.2.2.3.6): a PUBLISH above it is a protocol error,
// and the broker closes the connection, after DISCONNECT 0x95 (Packet too large, §4.13). The
// device ignores the announced limit on purpose (`honourLimits: false`) and sends one 4 KiB
// message: `beyond|packet_too_large` counts it as sent beyond the limit (a broker announcing
// more than 4 KiB is not challenged, and the cell says so).
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "Maximum Packet Size: a packet above the broker's limit is refused",
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 §3.2.2.3.6 §4.13',
  variants: [V5],
  notOffered: [
    { when: 'unannounced|maximum_packet_size', because: 'the broker announced no Maximum Packet Size (CONNACK)' },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-maximum-packet-size-broker',
  duration: '1000ms',
  drain: '400ms',
  fleets: {
    big: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, honourLimits: false }),
      topic: 'probe/{run}/mpsb/{id}',
      send: every('100ms'),
      messages: 1,
      // Back at once after the broker closes the connection; nothing more to send.
      reconnect: { initial: '100ms', jitter: 'none' },
      payload: bytes(4096),
    },
  },
  thresholds: {
    'big.code(beyond|packet_too_large)': ['count == 1'],
    'big.disconnects': ['count >= 1'],
  },
}));
