// Proactive cancellation: a GET with Observe 1 and the registration's token removes the client
// from the observers (RFC 7641 §3.6), so the notifications stop. The observer cancels 400 ms after
// registering and keeps listening: the writer's four PUTs after that must bring no notification
// (each that came would be rejected with RST and counted as observe|after_deregistration).
import { defineProbe, defineScenario } from 'fleetbench';
import { NOT_CREATED, NOT_OBSERVABLE, observeScenario } from './_observe.ts';

export const probe = defineProbe({
  behaviour: 'GET Observe:1 deregisters: notifications stop',
  protocol: 'coap',
  section: 'observe',
  spec: 'RFC 7641 §3.6',
  notOffered: [NOT_CREATED, NOT_OBSERVABLE],
});

export default defineScenario(
  observeScenario(
    'probe-coap-observe-deregister-get',
    { deregister: 'get', deregisterAfter: '400ms' },
    {
      'obs|observe|notification': ['>= 1'],
      'obs|observe|deregistered': ['== 1'],
      'obs|observe|after_deregistration': ['== 0'],
    },
  ),
);
