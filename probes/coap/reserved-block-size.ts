// A block option with SZX 7 (2048 bytes, reserved) in a request is answered 4.00 Bad Request
// (RFC 7959 §2.2: it "MUST lead to a 4.00 Bad Request response code upon reception in a request").
// The GET asks for block 0 with SZX 7: Block2 (option 23) valued 7.
import { defineProbe, defineScenario } from 'fleetbench';
import { refusedScenario } from './_errors.ts';

export const probe = defineProbe({
  behaviour: 'Block2 with the reserved SZX 7: 4.00',
  protocol: 'coap',
  section: 'errors',
  spec: 'RFC 7959 §2.2',
});

export default defineScenario(
  refusedScenario('probe-coap-reserved-block-size', {
    path: '/.well-known/core',
    protocol: { method: 'GET', extraOptions: [{ number: 23, value: 7 }] },
    code: '4.00',
  }),
);
