// The performance baseline of an AMQP 0-9-1 broker: a fixed load (--load, default 1,000
// devices for 20 s), each device publishing a 64-byte message every second with publisher
// confirms to amq.topic, one consumer queue receiving everything. The cell shows messages
// delivered per second and the end-to-end latency percentiles; loss, a nack or an unconfirmed
// publish makes it ✗.
import { amqp, bytes, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'performance baseline (confirmed publishes every 1 s, one consumer)',
  protocol: 'amqp',
  load: true,
});

export default defineScenario({ env: { PROBE_DEVICES: '1000', PROBE_DURATION: '20s' } }, (env) => ({
  name: 'probe-amqp-load',
  duration: env.PROBE_DURATION,
  drain: '2s',
  connectRate: `${Math.max(100, Math.min(1000, Number(env.PROBE_DEVICES)))}/s`,
  fleets: {
    sensors: {
      count: Number(env.PROBE_DEVICES),
      protocol: amqp({ confirm: true }),
      topic: 'probe.{run}.load.{id}',
      send: every('1s', { jitter: '400ms' }),
      payload: bytes(64),
    },
  },
  observers: { sink: { protocol: amqp(), receives: ['sensors'] } },
  thresholds: { 'sensors.acked': ['rate == 1'], 'sensors.confirm_nacks': ['count == 0'] },
}));
