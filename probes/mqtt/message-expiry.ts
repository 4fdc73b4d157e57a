// A message whose Message Expiry Interval passes before the broker starts delivering it is not
// delivered [MQTT-3.3.2-5] (5.0 §3.3.2.3.3). The subscriber keeps its session and is away from
// 300 ms to 3.7 s; at about 700 ms two messages are published for it, one with a 1 s expiry and
// one without. On its return it must get the second (session_queued_delivered: the session did
// queue) and not the first (its `received` counts both topics). It returns 3 s after the publish,
// not just after 1 s: brokers keep expiry times in whole seconds (Mosquitto on its second clock).
import { bytes, defineProbe, defineScenario, mqtt, stages } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'expired message not delivered to a returning subscriber (Message Expiry Interval)',
  protocol: 'mqtt',
  section: 'expiry',
  spec: 'MQTT 5.0 §3.3.2.3.3 [MQTT-3.3.2-5]',
  variants: [V5],
});

// One message, at about 700 ms: no sends for 600 ms, then 10/s.
const at700ms = stages([
  { target: '0/s', duration: '600ms' },
  { target: '10/s', duration: '1ms' },
]);

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-message-expiry',
  duration: '4s',
  drain: '500ms',
  fleets: {
    kept: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/message-expiry/kept/{id}',
      send: at700ms,
      messages: 1,
      payload: bytes(24),
    },
    expiring: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, messageExpiry: '1s' }),
      topic: 'probe/{run}/message-expiry/expiring/{id}',
      send: at700ms,
      messages: 1,
      payload: bytes(24),
    },
  },
  observers: {
    archive: {
      protocol: mqtt({ version: 5, qos: 1, clean: false, sessionExpiry: '1m' }),
      receives: ['kept'],
      subscribe: ['probe/{run}/message-expiry/kept/+', 'probe/{run}/message-expiry/expiring/+'],
      offline: { from: '300ms', to: '3700ms' },
    },
  },
  thresholds: { 'archive.session_queued_delivered': ['rate == 1'], 'archive.received': ['count == 1'] },
}));
