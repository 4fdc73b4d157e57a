// Benchmark: offered QoS 0 load far above what one machine can send, to find the maximum
// sustained publish rate (open model: the shortfall shows up as `late`). Tuned by environment:
// FB_BENCH_DEVICES (default 100), FB_BENCH_INTERVAL (default '1ms' per device), FB_BENCH_QOS
// (0 or 1, default 0; `npm run bench -- engine` measures both at a fixed rate),
// FB_BENCH_CONNECT_RATE (default '1000/s'), FB_BENCH_DURATION (default '10s'), FB_BENCH_WARMUP
// (a warm-up window, e.g. '2s'; none by default).
import { bytes, defineScenario, every, mqtt } from 'fleetbench';

const devices = Number(process.env.FB_BENCH_DEVICES ?? 100);
const interval = process.env.FB_BENCH_INTERVAL ?? '1ms';
const qos = process.env.FB_BENCH_QOS === '1' ? 1 : 0;

export default defineScenario({
  name: 'bench-qos0-max',
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: '1s',
  connectRate: process.env.FB_BENCH_CONNECT_RATE ?? '1000/s',
  ...(process.env.FB_BENCH_WARMUP ? { warmup: process.env.FB_BENCH_WARMUP } : {}),
  fleets: {
    load: {
      count: devices,
      protocol: mqtt({ qos }),
      topic: 'fbbench/{run}/{id}',
      send: every(interval),
      payload: bytes(64),
    },
  },
  // Offered more than one machine sends on purpose: the shortfall is the measurement, not a fault.
  expect: { lateSends: true },
});
