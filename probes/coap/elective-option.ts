// An unrecognized elective option (even number, §5.4.6) is silently ignored (RFC 7252 §5.4.1):
// the request is served as if it were not there. Option 65000 is elective and experimental (§12.2).
import { defineProbe, defineScenario } from 'fleetbench';
import { refusedScenario } from './_errors.ts';

export const probe = defineProbe({
  behaviour: 'unrecognized elective option ignored',
  protocol: 'coap',
  section: 'errors',
  spec: 'RFC 7252 §5.4.1',
});

export default defineScenario(
  refusedScenario('probe-coap-elective-option', {
    path: '/.well-known/core',
    protocol: { method: 'GET', extraOptions: [{ number: 65000, value: 'x' }] },
    code: '2.05',
  }),
);
