// The Payload Format Indicator (5.0 §3.3.2.3.2) is forwarded unaltered to every subscriber
// [MQTT-3.3.2-4]: 1 (UTF-8 text) from `text`, 0 (unspecified bytes) from `raw`. Each delivery's
// indicator counts as `publish|payload_format=<0|1>`.
import { bytes, defineProbe, defineScenario, every, mqtt, template } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Payload Format Indicator: forwarded unaltered',
  protocol: 'mqtt',
  section: 'properties',
  spec: 'MQTT 5.0 [MQTT-3.3.2-4] §3.3.2.3.2',
  variants: [V5],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-payload-format',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    text: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, payloadFormat: 'utf8' }),
      topic: 'probe/{run}/pfi/text',
      send: every('200ms'),
      messages: 4,
      payload: template('reading {seq} {stamp}'),
    },
    raw: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, payloadFormat: 'bytes' }),
      topic: 'probe/{run}/pfi/raw',
      send: every('200ms'),
      messages: 4,
      payload: bytes(32),
    },
  },
  observers: {
    wtext: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['text'] },
    wraw: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['raw'] },
  },
  thresholds: {
    // Every delivery (rate: per message received) with the indicator its publisher set.
    'wtext.code(publish|payload_format=1)': ['rate == 1'],
    'wraw.code(publish|payload_format=0)': ['rate == 1'],
    'wtext.loss': ['rate == 0'],
    'wraw.loss': ['rate == 0'],
  },
}));
