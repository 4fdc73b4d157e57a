// Benchmark: HTTP/1.1 POST load offered far above what the embedded server answers, with one
// persistent connection per device or a new connection per request (RFC 9112 §9.3, §9.6).
// FB_BENCH_HTTP_KEEPALIVE: 'true' (default) or 'false'; FB_BENCH_DEVICES (default 100);
// FB_BENCH_INTERVAL (default '1ms' per device); FB_BENCH_INFLIGHT (default 1: no pipelining).
import { bytes, defineScenario, every, http } from 'fleetbench';

const keepAlive = process.env.FB_BENCH_HTTP_KEEPALIVE !== 'false';
const devices = Number(process.env.FB_BENCH_DEVICES ?? 100);
const interval = process.env.FB_BENCH_INTERVAL ?? '1ms';
const inflight = Number(process.env.FB_BENCH_INFLIGHT ?? 1);

export default defineScenario({
  name: `bench-http-${keepAlive ? 'keepalive' : 'close'}-max`,
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: '2s',
  connectRate: '1000/s',
  fleets: {
    load: {
      count: devices,
      protocol: http({ keepAlive, inflight }),
      path: '/bench/{id}',
      send: every(interval),
      payload: bytes(64),
    },
  },
  // Offered more than one machine sends on purpose: the shortfall is the measurement, not a fault.
  expect: { lateSends: true },
});
