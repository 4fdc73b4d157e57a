// An unrecognized critical option (odd number, §5.4.6) in a CON request is answered 4.02 Bad
// Option (RFC 7252 §5.4.1). Option 65001 is critical and from the experimental range (§12.2), so
// no server recognizes it.
import { defineProbe, defineScenario } from 'fleetbench';
import { refusedScenario } from './_errors.ts';

export const probe = defineProbe({
  behaviour: 'unrecognized critical option: 4.02',
  protocol: 'coap',
  section: 'errors',
  spec: 'RFC 7252 §5.4.1',
});

export default defineScenario(
  refusedScenario('probe-coap-critical-option', {
    path: '/.well-known/core',
    protocol: { method: 'GET', extraOptions: [{ number: 65001, value: 'x' }] },
    code: '4.02',
  }),
);
