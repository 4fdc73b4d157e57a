// Benchmark: offered CoAP request load far above what one machine can send, to find the
// maximum sustained request rate against the embedded server (or --target coap=...).
// FB_BENCH_COAP_TYPE: 'NON' (default) or 'CON'; FB_BENCH_DEVICES (default 1000); FB_BENCH_INTERVAL
// (default '10ms' per device: 100 requests/s each, well under the 65,536 Message IDs per
// EXCHANGE_LIFETIME that RFC 7252 §4.4 allows one endpoint).
import { bytes, coap, defineScenario, every } from 'fleetbench';

const devices = Number(process.env.FB_BENCH_DEVICES ?? 1000);
const interval = process.env.FB_BENCH_INTERVAL ?? '10ms';
const type = process.env.FB_BENCH_COAP_TYPE === 'CON' ? 'CON' : 'NON';

export default defineScenario({
  name: `bench-coap-${type.toLowerCase()}-max`,
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: '2s',
  connectRate: '5000/s',
  fleets: {
    load: {
      count: devices,
      protocol: coap({ type, method: 'POST' }),
      path: '/bench/{id}',
      send: every(interval),
      payload: bytes(24),
    },
  },
  // Offered more than one machine sends on purpose: the shortfall is the measurement, not a fault.
  expect: { lateSends: true },
});
