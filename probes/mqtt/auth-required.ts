// A broker that requires authentication refuses a CONNECT without user name and password:
// CONNACK 0x05 Not authorized (3.1.1 §3.2.2.3, §5.4.1) or 0x87 Not authorized / 0x86 Bad User
// Name or Password (5.0 §3.2.2.2.3). The behaviour is a refusal, so the cell is ✓ when the run
// is refused with one of those codes, and ✗ ("accepted") when the broker lets an anonymous
// client in. It only means something against a broker configured to require credentials, given
// by its URL WITHOUT them: the CONNECT carries the URL's user name and password when the URL has
// some (the MQTT options have no way to send none instead).
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour:
    'connect without credentials refused (for a broker that requires them: give its URL without user:password)',
  protocol: 'mqtt',
  section: 'connect',
  spec: 'MQTT 3.1.1 §3.2.2.3 (0x05), §5.4.1; 5.0 §3.2.2.2.3 (0x86, 0x87)',
  variants: VERSIONS,
  expectRefusal: /not authorized|bad user name or password/,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => ({
  name: 'probe-auth-required',
  duration: '500ms',
  drain: '200ms',
  fleets: {
    anonymous: {
      count: 1,
      protocol: mqtt({ version: versionOf(env), qos: 1 }),
      topic: 'probe/{run}/auth-required/{id}',
      send: every('200ms'),
      messages: 1,
      payload: bytes(24),
    },
  },
}));
