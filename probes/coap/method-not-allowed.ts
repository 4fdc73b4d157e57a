// A method the resource does not take is answered 4.05 Method Not Allowed (RFC 7252 §5.9.2.6).
// /.well-known/core is on every server and is the server's own listing, defined for GET (RFC 6690
// §4): a POST to it must not replace it.
import { defineProbe, defineScenario } from 'fleetbench';
import { refusedScenario } from './_errors.ts';

export const probe = defineProbe({
  behaviour: 'POST to /.well-known/core: 4.05',
  protocol: 'coap',
  section: 'errors',
  spec: 'RFC 7252 §5.9.2.6; RFC 6690 §4',
});

export default defineScenario(
  refusedScenario('probe-coap-method-not-allowed', {
    path: '/.well-known/core',
    protocol: { method: 'POST' },
    code: '4.05',
  }),
);
