// A kept session: QoS 1 messages that arrive while its client is offline are stored and
// delivered when it connects again, with CONNACK Session Present 1. 3.1.1: Clean Session 0
// [MQTT-3.1.2-4], [MQTT-3.1.2-5], [MQTT-3.2.2-2]; 5.0: Clean Start 0 with a Session Expiry
// Interval above 0, §3.1.2.11.2, §3.2.2.1.1, §4.1. The observer says goodbye at 300 ms and
// comes back at 900 ms. Under 3.1.1 the session stays on the broker after the run (no expiry).
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'persistent session: messages queued while offline delivered on return',
  protocol: 'mqtt',
  section: 'session',
  spec: 'MQTT 3.1.1 [MQTT-3.1.2-4], [MQTT-3.1.2-5], [MQTT-3.2.2-2]; 5.0 §3.1.2.11.2, §3.2.2.1.1, §4.1',
  variants: VERSIONS,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-session',
    duration: '1200ms',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 1 }),
        topic: 'probe/{run}/session/{id}',
        send: every('200ms'),
        payload: bytes(24),
      },
    },
    observers: {
      archive: {
        protocol: mqtt({ version, qos: 1, clean: false, ...(version === 5 ? { sessionExpiry: '1m' } : {}) }),
        receives: ['meters'],
        offline: { from: '300ms', to: '900ms' },
      },
    },
    thresholds: { 'archive.session_queued_delivered': ['rate == 1'], 'archive.loss': ['count == 0'] },
  };
});
