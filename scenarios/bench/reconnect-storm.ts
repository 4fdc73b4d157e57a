// Benchmark: every device of an idle fleet dropped at once (no goodbye) 5 s into the send phase.
// FB_BENCH_FAULT 'storm' (a reconnect storm: everyone's first attempt at once) or 'kill' (each
// comes back by its policy); FB_BENCH_JITTER 'full' (the default policy: 1 s doubling to 60 s,
// full jitter) or 'none' (everyone retries on the same beat: a thundering herd); FB_BENCH_DEVICES.
import { defineScenario, mqtt } from 'fleetbench';

export default defineScenario({
  name: 'bench-reconnect-storm',
  duration: process.env.FB_BENCH_DURATION ?? '15s',
  drain: '0s',
  connectRate: '2000/s',
  connectTimeout: '10s',
  fleets: {
    storm: {
      count: Number(process.env.FB_BENCH_DEVICES ?? 10_000),
      protocol: mqtt({ qos: 0, keepalive: '60s' }),
      subscribe: 'fbbench/storm/{run}/{id}/cmd',
      reconnect: { initial: '1s', max: '60s', jitter: process.env.FB_BENCH_JITTER === 'none' ? 'none' : 'full' },
    },
  },
  faults: [process.env.FB_BENCH_FAULT === 'kill' ? { at: '5s', kill: 'storm' } : { at: '5s', reconnectStorm: 'storm' }],
  // The storm is the point of the run.
  expect: { disconnects: true },
});
