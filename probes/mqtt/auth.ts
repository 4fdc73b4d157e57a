// The broker checks credentials: a CONNECT with the target URL's user name and password is
// accepted, and one with a made-up user name and password is refused
// with CONNACK 0x04 Bad user name or password or 0x05 Not authorized (3.1.1 §3.2.2.3, §5.4.1),
// 0x86 or 0x87 (5.0 §3.2.2.2.3). A broker that lets any password in fails the `intruder` row.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "credentials checked: the URL's user:password accepted, made-up ones refused",
  protocol: 'mqtt',
  section: 'connect',
  spec: 'MQTT 3.1.1 §3.1.3.4, §3.1.3.5, §3.2.2.3 (0x04, 0x05), §5.4.1; 5.0 §3.2.2.2.3 (0x86, 0x87)',
  variants: VERSIONS,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  const sender = (protocol: ReturnType<typeof mqtt>, topic: string) => ({
    count: 1,
    protocol,
    topic,
    send: every('200ms'),
    messages: 1,
    payload: bytes(24),
  });
  return {
    name: 'probe-auth',
    duration: '500ms',
    drain: '200ms',
    fleets: {
      member: sender(mqtt({ version, qos: 1 }), 'probe/{run}/auth/member/{id}'),
      intruder: sender(
        mqtt({ version, qos: 1, username: 'fleetbench-probe-intruder', password: 'not-the-password' }),
        'probe/{run}/auth/intruder/{id}',
      ),
    },
    // The intruder's refusal is the point: its failed connect is expected, and counted.
    expect: { neverConnected: ['intruder'], connectErrors: true },
    thresholds: {
      'member.connect_errors': ['count == 0'],
      'member.acked': ['rate == 1'],
      'intruder.connect_errors': ['count >= 1'],
    },
  };
});
