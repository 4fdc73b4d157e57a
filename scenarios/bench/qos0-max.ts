// Benchmark: offered QoS 0 load far above what one machine can send, to find the maximum
// sustained publish rate (open model: the shortfall shows up as `late`). Tuned by environment:
// FB_BENCH_DEVICES (default 100), FB_BENCH_INTERVAL (default '1ms' per device).
import { bytes, defineScenario, every, mqtt } from 'fleetbench';

const devices = Number(process.env.FB_BENCH_DEVICES ?? 100);
const interval = process.env.FB_BENCH_INTERVAL ?? '1ms';

export default defineScenario({
  name: 'bench-qos0-max',
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: '1s',
  connectRate: '1000/s',
  fleets: {
    load: {
      count: devices,
      protocol: mqtt({ qos: 0 }),
      topic: 'fbbench/{run}/{id}',
      send: every(interval),
      payload: bytes(64),
    },
  },
  // Offered more than one machine sends on purpose: the shortfall is the measurement, not a fault.
  expect: { lateSends: true },
});
