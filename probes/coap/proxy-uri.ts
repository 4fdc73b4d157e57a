// A request with Proxy-Uri asks the server to act as a forward-proxy; one that is not (or will not
// for this URI) answers 5.05 Proxying Not Supported (RFC 7252 §5.10.2, §5.7.2).
import { defineProbe, defineScenario } from 'fleetbench';
import { refusedScenario } from './_errors.ts';

export const probe = defineProbe({
  behaviour: 'Proxy-Uri to a server that is no proxy: 5.05',
  protocol: 'coap',
  section: 'errors',
  spec: 'RFC 7252 §5.10.2',
});

export default defineScenario(
  refusedScenario('probe-coap-proxy-uri', {
    path: '/.well-known/core',
    // Option 35: the absolute URI of a resource elsewhere (port 9, discard: nothing there).
    protocol: { method: 'GET', extraOptions: [{ number: 35, value: 'coap://127.0.0.2:9/probe' }] },
    code: '5.05',
  }),
);
