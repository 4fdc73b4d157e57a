// Session takeover: a second connection with a client id already connected takes the session
// over, and the server disconnects the first ([MQTT-3.1.4-2]); in 5.0 it says so first with
// DISCONNECT 0x8E, Session taken over ([MQTT-3.1.4-3], §3.14.2.1), counted as
// `disconnect|142`. `first` connects at the start and does not come back; `usurper` connects
// with the same client id 500 ms in (`takeover: true` lets the scenario share the id).
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'a second connection with the same client id takes the session over',
  protocol: 'mqtt',
  section: 'disconnect',
  spec: 'MQTT 3.1.1 [MQTT-3.1.4-2]; 5.0 [MQTT-3.1.4-3] §3.14.2.1 (0x8E)',
  variants: VERSIONS,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  const clientId = 'fb-{run}-probe-takeover';
  return {
    name: 'probe-disconnect-takeover',
    duration: '1200ms',
    drain: '300ms',
    fleets: {
      first: {
        count: 1,
        protocol: mqtt({ version, qos: 1, clientId }),
        topic: 'probe/{run}/takeover/{id}',
        send: every('200ms'),
        payload: bytes(32),
        reconnect: false,
      },
    },
    observers: {
      usurper: {
        protocol: mqtt({ version, qos: 1, clientId, takeover: true }),
        receives: ['first'],
        startTime: '500ms',
      },
    },
    expect: { unrecovered: ['first'] },
    thresholds: {
      'first.disconnects': ['count == 1'],
      ...(version === 5 ? { 'first.code(disconnect|142)': ['count == 1'] } : {}),
    },
  };
});
