// No Local (5.0 §3.8.3.1): with the option set, the broker does not send a client the messages it
// published itself on a topic it subscribes to [MQTT-3.8.3-3]. `loop` publishes to the topic it
// subscribes to with No Local, so it receives nothing; `watch` shows the messages were routed.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: "No Local: a client does not receive its own publishes",
  protocol: 'mqtt',
  section: 'subscription options',
  spec: 'MQTT 5.0 [MQTT-3.8.3-3] §3.8.3.1',
  variants: [V5],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-subopt-no-local',
  duration: '1000ms',
  drain: '500ms',
  fleets: {
    loop: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1, noLocal: true }),
      topic: 'probe/{run}/nolocal',
      subscribe: 'probe/{run}/nolocal',
      send: every('100ms'),
      payload: bytes(32),
    },
  },
  observers: { watch: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['loop'] } },
  thresholds: {
    'loop.received': ['count == 0'],
    'watch.loss': ['rate == 0'],
  },
}));
