// Reactive cancellation: a client that rejects a notification with RST is removed from the
// observers (RFC 7641 §3.6, §4.5), so the notifications stop. The observer stops wanting them
// 400 ms after registering: it answers the next notification with RST (a CON one gets the RST
// instead of its ACK) and keeps listening: the later PUTs must bring no notification (each would
// be counted as observe|after_deregistration).
import { defineProbe, defineScenario } from 'fleetbench';
import { NOT_CREATED, NOT_OBSERVABLE, observeScenario } from './_observe.ts';

export const probe = defineProbe({
  behaviour: 'RST on a notification deregisters: notifications stop',
  protocol: 'coap',
  section: 'observe',
  spec: 'RFC 7641 §3.6, §4.5',
  notOffered: [NOT_CREATED, NOT_OBSERVABLE],
});

export default defineScenario(
  observeScenario(
    'probe-coap-observe-deregister-rst',
    { deregister: 'rst', deregisterAfter: '400ms' },
    {
      'obs|observe|notification': ['>= 1'],
      // The notification answered with RST.
      'obs|observe|deregistered': ['== 1'],
      'obs|observe|after_deregistration': ['== 0'],
    },
  ),
);
