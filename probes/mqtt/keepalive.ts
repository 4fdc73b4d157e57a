// Keep Alive is enforced by the server: a client that sends nothing for one and a half times its
// Keep Alive is disconnected (3.1.1 [MQTT-3.1.2-24]; 5.0 [MQTT-3.1.2-22], §3.1.2.10). The device
// announces a Keep Alive of 1 s and then sends no PINGREQ (`pings: false`, breaking
// [MQTT-3.1.2-20] on purpose) while keeping its socket open; `idle_close_latency` is how long
// after its last packet the broker closed the connection: 1.5 s at the soonest (less 10 ms for
// the millisecond clocks at both ends), and within a second after that (a broker may check its
// clients on a timer). The run lasts long enough to measure a close up to about 3.5 s late. A 5.0
// broker may say why first: DISCONNECT 0x8D (Keep Alive timeout, §3.14.2.1), counted under
// `disconnect|141`.
import { defineProbe, defineScenario, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'a silent client is disconnected after 1.5 × Keep Alive',
  protocol: 'mqtt',
  section: 'keepalive',
  spec: 'MQTT 3.1.1 [MQTT-3.1.2-24]; 5.0 [MQTT-3.1.2-22] §3.1.2.10',
  variants: VERSIONS,
  // [MQTT-3.2.2-21]: a Server Keep Alive replaces the device's 1 s, and the bounds no longer hold.
  notOffered: [{ when: 'server_keep_alive=', because: 'the broker set its own Keep Alive (Server Keep Alive, CONNACK)' }],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => ({
  name: 'probe-keepalive',
  duration: '4s',
  drain: '100ms',
  fleets: {
    quiet: {
      count: 1,
      protocol: mqtt({ version: versionOf(env), keepalive: '1s', pings: false }),
      subscribe: 'probe/{run}/keepalive/{id}',
    },
  },
  // The broker may close the connection just before the end, with no time left to come back.
  expect: { unrecovered: ['quiet'] },
  thresholds: {
    'quiet.disconnects': ['count >= 1'],
    // 1.5 s, less 10 ms for the millisecond clocks and timers at both ends.
    'quiet.idle_close_latency': ['min >= 1490ms', 'max <= 2500ms'],
  },
}));
