// A server that cannot answer at once acknowledges the CON with an empty ACK, so that the client
// stops retransmitting, and sends the response later in a CON of its own, which the client
// acknowledges (RFC 7252 §5.2.2). Needs a resource that takes its time: libcoap's example server
// has /async, which answers `/async?N` after N seconds (test/helpers/coap-peers.ts).
import { coap, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'slow response: empty ACK, then a separate CON response',
  protocol: 'coap',
  section: 'messages',
  spec: 'RFC 7252 §5.2.2',
  notOffered: [{ when: 'get|response|4.04', because: 'no slow resource at /async (4.04): nothing is answered separately' }],
});

export default defineScenario({
  name: 'probe-coap-con-separate',
  duration: '1500ms',
  // The run ends a drain after the last send (messages: 1): long enough for the answer 1 s later.
  drain: '1500ms',
  fleets: {
    get: {
      count: 1,
      protocol: coap({ type: 'CON', method: 'GET' }),
      path: '/async?1',
      send: every('2s'),
      messages: 1,
    },
  },
  thresholds: {
    'get.acked': ['rate == 1'],
    // The response came in a CON of its own, after the empty ACK: not piggybacked.
    'get|coap|response_con': ['== 1'],
  },
});
