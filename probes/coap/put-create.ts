// PUT creates the resource at its URI when there is none (2.01 Created) and replaces its
// representation when there is (2.04 Changed) (RFC 7252 §5.8.3). A server may also refuse to
// create resources: then the first PUT is 4.04 and the cell is n/a.
import { bytes, coap, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'PUT creates (2.01), then changes (2.04)',
  protocol: 'coap',
  section: 'methods',
  spec: 'RFC 7252 §5.8.3, §5.9.1.1, §5.9.1.4',
  notOffered: [{ when: 'put|response|4.04', because: 'the server does not create resources on PUT (4.04)' }],
});

export default defineScenario({
  name: 'probe-coap-put-create',
  duration: '1500ms',
  drain: '500ms',
  fleets: {
    put: {
      count: 1,
      protocol: coap({ type: 'CON', method: 'PUT' }),
      path: '/probe/{run}/put/{id}',
      send: every('300ms'),
      messages: 3,
      payload: bytes(24),
    },
  },
  thresholds: {
    'put.acked': ['rate == 1'],
    // The first PUT created the resource, the later ones changed it.
    'put|response|2.01': ['== 1'],
    'put|response|2.04': ['>= 1'],
  },
});
