// A retransmitted CON is recognised as a duplicate by its Message ID and answered with the same
// response, without processing the request again (RFC 7252 §4.5: the recipient "SHOULD
// acknowledge each duplicate copy of a Confirmable message using the same Acknowledgement ... but
// SHOULD process any request ... only once").
//
// One PUT to a path that does not exist yet, over a link that drops the server's first answer:
// the device retransmits, and the retransmission is a duplicate of a request the server has
// already processed. The first processing created the resource (2.01 Created, §5.8.3); processing
// the duplicate again would change it (2.04 Changed). So the response that reaches the device
// says which happened: 2.01 is the cached answer, 2.04 a request processed twice.
//
// The link drops datagrams by the run's seed: the impairment proxy draws one number per datagram
// it receives, in order (src/impair/link.ts), and a datagram is lost when its number is below
// `loss`. With seed 1 the first four draws are 0.627, 0.003, 0.527, 0.981: the request passes, the
// answer is lost, the retransmission passes and so does its answer, for any loss from 0.3% to 52%.
// The thresholds check that this is what happened (one retransmission, then an answer).
import { bytes, coap, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'retransmitted CON answered again, processed once',
  protocol: 'coap',
  section: 'messages',
  spec: 'RFC 7252 §4.5',
  notOffered: [{ when: 'put|response|4.04', because: 'the server does not create resources on PUT (4.04)' }],
});

export default defineScenario({
  name: 'probe-coap-dedup',
  seed: 1,
  duration: '1500ms',
  // The run ends a drain after the only send: room for the retransmission 300 ms later and its answer.
  drain: '1s',
  fleets: {
    put: {
      count: 1,
      // Retransmit 300 ms after the lost answer (ACK_RANDOM_FACTOR 1: exactly ACK_TIMEOUT).
      protocol: coap({ type: 'CON', method: 'PUT', ackTimeout: '300ms', ackRandomFactor: 1 }),
      path: '/probe/{run}/dedup/{id}',
      send: every('1s'),
      messages: 1,
      payload: bytes(24),
    },
  },
  impair: { coap: { loss: '30%' } },
  thresholds: {
    'put.acked': ['rate == 1'],
    // The first answer was lost: the request went twice.
    'put|coap|retransmission': ['== 1'],
    // The cached answer to the first processing, not the answer to a second one.
    'put|response|2.01': ['== 1'],
    'put|response|2.04': ['== 0'],
  },
});
