// A confirmable request gets its response: piggybacked in the ACK (RFC 7252 §5.2.1), or after an
// empty ACK in a message of its own (§5.2.2), within the retransmission window (§4.2). This is the
// message layer: whatever the code (a server that creates no resources answers these PUTs 4.04),
// no CON may time out, be reset, or still wait for its answer when the run ends.
import { bytes, coap, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'CON request answered (piggybacked or separate)',
  protocol: 'coap',
  section: 'messages',
  spec: 'RFC 7252 §5.2.1, §5.2.2',
});

export default defineScenario({
  name: 'probe-coap-con',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    put: {
      count: 2,
      protocol: coap({ type: 'CON', method: 'PUT' }),
      path: '/probe/{run}/con/{id}',
      send: every('300ms'),
      messages: 3,
      payload: bytes(24),
    },
  },
  thresholds: {
    'put.sent': ['>= 1'],
    'put|coap|timeout': ['== 0'],
    'put|coap|rst_received': ['== 0'],
    // Still open at the end: no ACK yet, or an empty ACK and no separate response.
    'put|coap|abandoned': ['== 0'],
  },
});
