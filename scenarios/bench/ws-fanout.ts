// Benchmark: fan-out through the embedded WebSocket hub (or --target ws=...): one publisher
// fleet, every message to each of the dashboards over the JSON bridge protocol.
// FB_BENCH_PUBLISHERS (default 10); FB_BENCH_DASHBOARDS (default 50); FB_BENCH_INTERVAL
// (default '50ms' per publisher: 200 msg/s, 10,000 deliveries/s to 50 dashboards);
// FB_BENCH_INFLIGHT (default 100 publishes awaiting 'published' per publisher);
// FB_BENCH_DURATION (default '10s'); FB_BENCH_DRAIN (default '2s').
import { bytes, defineScenario, every, ws } from 'fleetbench';

const publishers = Number(process.env.FB_BENCH_PUBLISHERS ?? 10);
const dashboards = Number(process.env.FB_BENCH_DASHBOARDS ?? 50);
const interval = process.env.FB_BENCH_INTERVAL ?? '50ms';
const inflight = Number(process.env.FB_BENCH_INFLIGHT ?? 100);

export default defineScenario({
  name: 'bench-ws-fanout',
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: process.env.FB_BENCH_DRAIN ?? '2s',
  connectRate: '1000/s',
  fleets: {
    pub: {
      count: publishers,
      protocol: ws({ inflight }),
      topic: 'fbbench/{run}/vehicle/{id}/gps',
      send: every(interval),
      payload: bytes(64),
    },
  },
  observers: {
    dash: { count: dashboards, protocol: ws(), receives: ['pub'] },
  },
});
