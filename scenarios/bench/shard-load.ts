// Benchmark: the same load as one run and as shards merged (`npm run bench -- scale`). Sensors
// publish at QoS 1 and two backend observers receive every message, so with two shards each
// observer receives the other shard's sensors too. FB_BENCH_DEVICES (default 2000) sensors, one
// message a second each, FB_BENCH_DURATION (default '10s').
import { bytes, defineScenario, every, mqtt } from 'fleetbench';

export default defineScenario({
  name: 'bench-shard-load',
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: '2s',
  seed: 17,
  connectRate: '2000/s',
  fleets: {
    sensors: {
      count: Number(process.env.FB_BENCH_DEVICES ?? 2000),
      protocol: mqtt({ qos: 1 }),
      topic: 'fbbench/{run}/shard/{id}',
      send: every('1s'),
      payload: bytes(64),
    },
  },
  observers: { backend: { count: 2, protocol: mqtt({ qos: 1 }), receives: ['sensors'] } },
});
