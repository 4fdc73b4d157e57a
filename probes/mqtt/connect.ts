// A connect is accepted: the broker's first packet is a CONNACK [MQTT-3.2.0-1] with return code
// 0x00, Connection Accepted (3.1.1 §3.2.2.3), or reason code 0x00, Success (5.0 §3.2.2.2.3). The
// CONNECT carries the target URL's user name and password when it has them, none otherwise.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'connect accepted (CONNACK 0x00)',
  protocol: 'mqtt',
  section: 'connect',
  spec: 'MQTT 3.1.1 [MQTT-3.2.0-1], §3.2.2.3; 5.0 §3.2.2.2.3',
  variants: VERSIONS,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => ({
  name: 'probe-connect',
  duration: '500ms',
  drain: '200ms',
  fleets: {
    device: {
      count: 1,
      protocol: mqtt({ version: versionOf(env), qos: 1 }),
      topic: 'probe/{run}/connect/{id}',
      send: every('200ms'),
      messages: 1,
      payload: bytes(24),
    },
  },
  // A refused CONNACK stops the run before it starts (the cell says what was refused).
  thresholds: { 'device.connect_errors': ['count == 0'], 'device.acked': ['rate == 1'] },
}));
