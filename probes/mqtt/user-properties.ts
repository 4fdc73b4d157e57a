// User Properties reach every subscriber unaltered (5.0 §3.3.2.3.7): "The Server MUST send all
// User Properties unaltered in a PUBLISH packet when forwarding the Application Message to a
// Client" [MQTT-3.3.2-17], a name may appear more than once. Each pair a delivery carries counts
// as `publish|user_property=<name>:<value>`; every delivery must carry both of the publisher's.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'User Properties: forwarded unaltered',
  protocol: 'mqtt',
  section: 'properties',
  spec: 'MQTT 5.0 [MQTT-3.3.2-17] §3.3.2.3.7',
  variants: [V5],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-user-properties',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    meter: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, userProperties: { site: 'plant-7', unit: 'kWh' } }),
      topic: 'probe/{run}/user-properties',
      send: every('200ms'),
      messages: 4,
      payload: bytes(32),
    },
  },
  observers: { backend: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['meter'] } },
  thresholds: {
    // Per message received: every delivery carried both pairs, as sent.
    'backend.code(publish|user_property=site:plant-7)': ['rate == 1'],
    'backend.code(publish|user_property=unit:kWh)': ['rate == 1'],
    'backend.loss': ['rate == 0'],
  },
}));
