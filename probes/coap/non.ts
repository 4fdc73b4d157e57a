// A non-confirmable request is answered by a non-confirmable response (RFC 7252 §5.2.3: "the
// response SHOULD be returned in a Non-confirmable message"), matched by its token (§5.3.2), and
// never acknowledged at the message layer (§4.3). Whatever the code: a server that creates no
// resources answers these PUTs 4.04, in NONs all the same.
import { bytes, coap, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'NON request answered by a NON response',
  protocol: 'coap',
  section: 'messages',
  spec: 'RFC 7252 §5.2.3, §4.3',
});

export default defineScenario({
  name: 'probe-coap-non',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    put: {
      count: 2,
      protocol: coap({ type: 'NON', method: 'PUT' }),
      path: '/probe/{run}/non/{id}',
      send: every('300ms'),
      messages: 3,
      payload: bytes(24),
    },
  },
  thresholds: {
    // Every request answered, in a NON of its own (never a CON).
    'put.sent': ['>= 1'],
    'put|coap|response_non': ['>= 1'],
    'put|coap|response_con': ['== 0'],
    'put|coap|non_unanswered': ['== 0'],
  },
});
