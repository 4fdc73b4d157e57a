// QoS 0, at most once (§4.3.1 in 3.1.1 and 5.0): the broker delivers each message at most once,
// no duplicates. Nothing promises delivery, but over a quiet loopback a subscriber that gets
// nothing at all is a finding too, so the probe asks for at least one message.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'QoS 0 delivered at most once (no duplicate)',
  protocol: 'mqtt',
  section: 'qos',
  spec: 'MQTT 3.1.1 §4.3.1; 5.0 §4.3.1',
  variants: VERSIONS,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  return {
    name: 'probe-qos0',
    duration: '1s',
    drain: '500ms',
    fleets: {
      meters: {
        count: 2,
        protocol: mqtt({ version, qos: 0 }),
        topic: 'probe/{run}/qos0/{id}',
        send: every('100ms'),
        messages: 5,
        payload: bytes(24),
      },
    },
    observers: { backend: { protocol: mqtt({ version, qos: 0 }), receives: ['meters'] } },
    thresholds: { 'backend.duplicates': ['count == 0'], 'backend.received': ['count > 0'] },
  };
});
