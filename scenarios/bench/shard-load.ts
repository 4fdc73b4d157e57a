// Benchmark: the same load as one run and as shards merged (`npm run bench -- scale`). Sensors
// publish at QoS 1 and two backend observers receive every message, so with two shards each
// observer receives the other shard's sensors too. FB_BENCH_DEVICES (default 2000) sensors, one
// message a second each, ten each: the send phase lasts a second longer than the last one is due,
// so the count is the same in every run (a send due in the phase's last instant may miss it
// on a busy machine, and is then dropped as generator_behind).
import { bytes, defineScenario, every, mqtt } from 'fleetbench';

export default defineScenario({
  name: 'bench-shard-load',
  duration: '11s',
  drain: '2s',
  seed: 17,
  connectRate: '2000/s',
  fleets: {
    sensors: {
      count: Number(process.env.FB_BENCH_DEVICES ?? 2000),
      protocol: mqtt({ qos: 1 }),
      topic: 'fbbench/{run}/shard/{id}',
      send: every('1s'),
      messages: 10,
      payload: bytes(64),
    },
  },
  observers: { backend: { count: 2, protocol: mqtt({ qos: 1 }), receives: ['sensors'] } },
});
