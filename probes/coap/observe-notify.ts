// Notifications: every new state of an observed resource is sent to its observers (RFC 7641
// §4.2), each with an Observe number greater than the last one's (§4.4), so that the client can
// order them (§3.4). On a loopback link none is lost or skipped.
import { defineProbe, defineScenario } from 'fleetbench';
import { NOT_CREATED, NOT_OBSERVABLE, observeScenario } from './_observe.ts';

export const probe = defineProbe({
  behaviour: 'each change notified, Observe numbers increasing',
  protocol: 'coap',
  section: 'observe',
  spec: 'RFC 7641 §4.2, §4.4, §3.4',
  notOffered: [NOT_CREATED, NOT_OBSERVABLE],
});

export default defineScenario(
  observeScenario(
    'probe-coap-observe-notify',
    { deregister: 'none' },
    {
      // Every PUT after the registration (six of them) reaches the observer, in Observe order.
      'obs.loss': ['== 0'],
      'obs|observe|notification': ['>= 3'],
      'obs|observe|stale': ['== 0'],
    },
  ),
);
