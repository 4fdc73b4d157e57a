// A confirmable request gets its response: piggybacked in the ACK (RFC 7252 §5.2.1), or after an
// empty ACK in a message of its own (§5.2.2). Either way every CON is answered with a 2.xx, within
// the retransmission window (§4.2).
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
    'put.acked': ['rate == 1'],
    'put|coap|timeout': ['== 0'],
  },
});
