// A request for a resource the server does not have is answered 4.04 Not Found (RFC 7252
// §5.9.2.5), here a GET of a path nobody created.
import { defineProbe, defineScenario } from 'fleetbench';
import { refusedScenario } from './_errors.ts';

export const probe = defineProbe({
  behaviour: 'GET of a missing resource: 4.04',
  protocol: 'coap',
  section: 'errors',
  spec: 'RFC 7252 §5.9.2.5',
});

export default defineScenario(
  refusedScenario('probe-coap-not-found', {
    path: '/probe/{run}/missing/{id}',
    protocol: { method: 'GET' },
    code: '4.04',
  }),
);
