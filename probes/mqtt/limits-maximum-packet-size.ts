// The broker keeps to the client's Maximum Packet Size: it sends no packet larger
// ([MQTT-3.1.2-24], 5.0 §3.1.2.11.4) and discards a message too large for it as if it had sent it
// ([MQTT-3.1.2-25]), so the small messages behind it still come. `tiny` announces 256 bytes and
// subscribes to a fleet of 64-byte payloads and one of 600-byte payloads; `all` announces nothing
// and gets both (the large ones were routed). A packet above 256 bytes at `tiny` counts as
// `violation|packet_above_maximum` and fails protocol_errors.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "Maximum Packet Size: no packet above the client's limit is sent to it",
  protocol: 'mqtt',
  section: 'limits',
  spec: 'MQTT 5.0 [MQTT-3.1.2-24] [MQTT-3.1.2-25] §3.1.2.11.4',
  variants: [V5],
  notOffered: [
    {
      when: 'mqtt.packet_too_large',
      because: "the broker's own Maximum Packet Size is below the probe's 600-byte messages (CONNACK)",
    },
  ],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-limits-maximum-packet-size',
  duration: '1000ms',
  drain: '500ms',
  fleets: {
    small: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/mps/small/{id}',
      send: every('100ms'),
      payload: bytes(64),
    },
    big: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/mps/big/{id}',
      send: every('100ms'),
      payload: bytes(600),
    },
  },
  observers: {
    tiny: {
      protocol: mqtt({ version: 5, qos: 1, maximumPacketSize: 256 }),
      receives: ['small'],
      subscribe: ['probe/{run}/mps/+/+'],
    },
    all: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['small', 'big'] },
  },
  thresholds: {
    'tiny.loss': ['rate == 0'],
    'all.loss': ['rate == 0'],
  },
}));
