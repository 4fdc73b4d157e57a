// The Last Will is published when the connection closes without DISCONNECT [MQTT-3.1.2-8], and
// discarded on a DISCONNECT [MQTT-3.1.2-10], [MQTT-3.14.4-3]; 5.0 §3.1.2.5, §3.14.4 (reason 0x00).
// One device is killed (socket destroyed) and one says goodbye, at the same moment: the observer
// of both wills must get the first, and only it.
import { defineProbe, defineScenario, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Last Will published on an ungraceful drop, not on DISCONNECT',
  protocol: 'mqtt',
  section: 'will',
  spec: 'MQTT 3.1.1 [MQTT-3.1.2-8], [MQTT-3.1.2-10], [MQTT-3.14.4-3]; 5.0 §3.1.2.5, §3.14.4',
  variants: VERSIONS,
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  const device = (name: string) => ({
    count: 1,
    protocol: mqtt({ version, qos: 1, will: { topic: `probe/{run}/will/${name}/{id}`, payload: 'gone', qos: 1 } }),
    subscribe: `probe/{run}/will/${name}/{id}/cmd`,
    reconnect: false as const,
  });
  return {
    name: 'probe-will',
    duration: '1s',
    drain: '500ms',
    fleets: { killed: device('killed'), leaving: device('leaving') },
    observers: { wills: { protocol: mqtt({ version, qos: 1 }), receives: ['killed:will', 'leaving:will'] } },
    faults: [
      { at: '300ms', kill: 'killed' },
      { at: '300ms', disconnect: 'leaving' },
    ],
    expect: { unrecovered: ['killed', 'leaving'] },
    // killed's will arrived (no loss) and leaving's did not (one will in all).
    thresholds: { 'wills.loss': ['count == 0'], 'wills.received': ['count == 1'] },
  };
});
