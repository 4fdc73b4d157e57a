// Observe registration: a GET with Observe 0 (RFC 7641 §3.1) adds the client to the resource's
// observers, and the response says so by carrying an Observe option (§4.1: "the server ... MUST
// ... include an Observe Option in the response"); without one, the client is not registered.
import { defineProbe, defineScenario } from 'fleetbench';
import { NOT_CREATED, NOT_OBSERVABLE, observeScenario } from './_observe.ts';

export const probe = defineProbe({
  behaviour: 'Observe registration answered with Observe',
  protocol: 'coap',
  section: 'observe',
  spec: 'RFC 7641 §3.1, §4.1',
  notOffered: [NOT_CREATED, NOT_OBSERVABLE],
});

export default defineScenario(
  observeScenario('probe-coap-observe-register', { deregister: 'none' }, { 'obs|observe|registered': ['== 1'] }),
);
