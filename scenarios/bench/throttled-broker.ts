// Benchmark: a broker made the bottleneck by a bandwidth-limited impairment proxy, for the
// capacity search (`npm run bench -- scale`); docs/capacity.md's "a throttled broker" example.
// The observer's one connection carries every message down at 40 KiB/s: about 330 msg/s of
// 100-byte payloads. Point it at a broker with `-t broker=mqtt://…`.
import { bytes, defineScenario, every, mqtt } from 'fleetbench';

export default defineScenario({
  name: 'bench-throttled-broker',
  duration: '2s',
  drain: '500ms',
  seed: 7,
  targets: { broker: 'mqtt://127.0.0.1:1883' },
  fleets: {
    sensors: {
      count: 10,
      protocol: mqtt({ qos: 0, target: 'broker' }),
      topic: 'fbbench/{run}/cap/{id}',
      send: every('100ms'),
      payload: bytes(100),
    },
  },
  observers: { sink: { count: 1, protocol: mqtt({ qos: 0, target: 'broker' }), receives: ['sensors'] } },
  impair: { broker: { bandwidth: '40960B/s' } },
});
