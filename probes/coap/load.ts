// The performance baseline of a CoAP server: a fixed load (--load, default 1,000 devices for
// 20 s), each device a confirmable GET of `/.well-known/core` every second (RFC 7252 §7.2: every
// server has it, so no server needs to create a resource first). The cell shows responses per
// second and the request → response latency percentiles; timeouts or error responses make it ✗.
import { coap, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'performance baseline (CON GET /.well-known/core every 1 s)',
  protocol: 'coap',
  load: true,
});

export default defineScenario({ env: { PROBE_DEVICES: '1000', PROBE_DURATION: '20s' } }, (env) => ({
  name: 'probe-coap-load',
  duration: env.PROBE_DURATION,
  drain: '2s',
  connectRate: `${Math.max(100, Math.min(2000, Number(env.PROBE_DEVICES)))}/s`,
  fleets: {
    readers: {
      count: Number(env.PROBE_DEVICES),
      protocol: coap({ method: 'GET' }),
      path: '/.well-known/core',
      send: every('1s', { jitter: '400ms' }),
    },
  },
  thresholds: { 'readers.acked': ['rate == 1'] },
}));
