// Benchmark: connected devices that hold a subscription and send nothing, to measure the
// load generator's memory per idle MQTT device. FB_BENCH_DEVICES sets the count;
// FB_BENCH_DEVICES2 (default 0) adds a second fleet on the target named `mqtt2`, so one run
// can hold more devices than one broker process has file descriptors for;
// FB_BENCH_CONNECT_RATE (default '2000/s') and FB_BENCH_DURATION (default '5s').
import { defineScenario, mqtt } from 'fleetbench';

const second = Number(process.env.FB_BENCH_DEVICES2 ?? 0);
const connectRate = process.env.FB_BENCH_CONNECT_RATE ?? '2000/s';

export default defineScenario({
  name: 'bench-idle-devices',
  duration: process.env.FB_BENCH_DURATION ?? '5s',
  drain: '0s',
  connectRate,
  // `-t mqtt2=…` points the second fleet at another broker; without it, the embedded one.
  ...(second > 0 ? { targets: { mqtt2: 'embedded' } } : {}),
  fleets: {
    idle: {
      count: Number(process.env.FB_BENCH_DEVICES ?? 1000),
      protocol: mqtt({ qos: 0, keepalive: '60s' }),
      subscribe: 'fbbench/idle/{id}/cmd',
    },
    ...(second > 0
      ? {
          idle2: {
            count: second,
            protocol: mqtt({ qos: 0, keepalive: '60s', target: 'mqtt2' }),
            subscribe: 'fbbench/idle2/{id}/cmd',
          },
        }
      : {}),
  },
});
