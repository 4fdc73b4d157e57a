// MQTT 5 request/response (§4.10): a command carries a Response Topic and Correlation Data, which
// the broker forwards unaltered [MQTT-3.3.2-15], [MQTT-3.3.2-16]; the actuator answers on that
// topic echoing the Correlation Data, and the commander matches every reply to its command.
// codes count reply|correlated and reply|correlation_mismatch (which fails protocol_errors).
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'request/response: Response Topic and Correlation Data round trip',
  protocol: 'mqtt',
  section: 'mqtt 5',
  spec: 'MQTT 5.0 §4.10, §3.3.2.3.5 [MQTT-3.3.2-15], §3.3.2.3.6 [MQTT-3.3.2-16]',
  variants: [V5],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-request-response',
  duration: '1s',
  drain: '500ms',
  fleets: {
    valves: { count: 2, protocol: mqtt({ version: 5, qos: 1 }), subscribe: 'probe/{run}/rr/{id}/cmd', reply: true },
  },
  commands: {
    ops: {
      protocol: mqtt({ version: 5, qos: 1 }),
      to: 'valves',
      topic: 'probe/{run}/rr/{target}/cmd',
      send: every('100ms'),
      messages: 4,
      payload: bytes(24),
    },
  },
  // Every command delivered, and every one answered (the replies are the commander's received).
  thresholds: { 'valves.loss': ['count == 0'], 'ops.received': ['count == 4'] },
}));
