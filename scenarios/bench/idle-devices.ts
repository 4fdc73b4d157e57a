// Benchmark: connected devices that hold a subscription and send nothing, to measure the
// load generator's memory per idle MQTT device. FB_BENCH_DEVICES sets the count.
import { defineScenario, mqtt } from 'fleetbench';

export default defineScenario({
  name: 'bench-idle-devices',
  duration: process.env.FB_BENCH_DURATION ?? '5s',
  drain: '0s',
  connectRate: '2000/s',
  fleets: {
    idle: {
      count: Number(process.env.FB_BENCH_DEVICES ?? 1000),
      protocol: mqtt({ qos: 0, keepalive: '60s' }),
      subscribe: 'fbbench/idle/{id}/cmd',
    },
  },
});
