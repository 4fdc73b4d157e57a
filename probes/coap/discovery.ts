// Resource discovery: GET /.well-known/core returns the server's resources in the CoRE Link
// Format, Content-Format 40 (RFC 6690 §4, §7.1; RFC 7252 §7.2). A writer creates a resource
// first, so that the listing has something to list.
import { bytes, coap, defineProbe, defineScenario, every, stages } from 'fleetbench';

export const probe = defineProbe({
  behaviour: '/.well-known/core in link format (ct=40)',
  protocol: 'coap',
  section: 'discovery',
  spec: 'RFC 6690 §4, §7.1; RFC 7252 §7.2',
});

export default defineScenario({
  name: 'probe-coap-discovery',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    put: {
      count: 1,
      protocol: coap({ method: 'PUT' }),
      path: '/probe/{run}/discovery/{id}',
      send: every('2s'),
      messages: 1,
      payload: bytes(24),
    },
    // 333 ms in (the rate ramps to 3/s in 1 ms), after the PUT.
    get: {
      count: 1,
      protocol: coap({ method: 'GET' }),
      path: '/.well-known/core',
      send: stages([{ target: '3/s', duration: '1ms' }]),
      messages: 1,
    },
  },
  thresholds: {
    'get|response|2.05': ['== 1'],
    'get|format|40': ['== 1'],
  },
});
