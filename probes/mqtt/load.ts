// The performance baseline of an MQTT broker: a fixed load (--load, default 1,000 devices for
// 20 s), each device publishing a 64-byte reading every second at the variant's QoS, one
// subscriber receiving everything. The cell shows messages delivered per second and the
// end-to-end latency percentiles; a lost or duplicated message beyond the QoS promise makes it ✗.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'performance baseline',
  protocol: 'mqtt',
  load: true,
  variants: [
    { label: 'QoS 0', env: { QOS: '0' } },
    { label: 'QoS 1', env: { QOS: '1' } },
    { label: 'QoS 2', env: { QOS: '2' } },
  ],
});

export default defineScenario({ env: { QOS: '1', PROBE_DEVICES: '1000', PROBE_DURATION: '20s' } }, (env) => {
  const qos = Number(env.QOS) as 0 | 1 | 2;
  const devices = Number(env.PROBE_DEVICES);
  return {
    name: 'probe-load',
    duration: env.PROBE_DURATION,
    drain: '2s',
    connectRate: `${Math.max(100, Math.min(2000, devices))}/s`,
    fleets: {
      sensors: {
        count: devices,
        protocol: mqtt({ qos }),
        topic: 'probe/{run}/load/{id}',
        send: every('1s', { jitter: '400ms' }),
        payload: bytes(64),
      },
    },
    observers: { sink: { protocol: mqtt({ qos }), receives: ['sensors'] } },
  };
});
