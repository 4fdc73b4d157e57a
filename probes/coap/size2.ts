// Size2 in a Block2 response tells the client the size of the whole representation (RFC 7959 §4,
// "size indication"), here 1000 bytes read in 256-byte blocks. Implementing the Size options is
// optional: a server that sends none makes the cell n/a; one that sends a wrong size is ✗.
import { defineProbe, defineScenario } from 'fleetbench';
import { NOT_CREATED, readScenario } from './_blocks.ts';

export const probe = defineProbe({
  behaviour: "Size2 gives the representation's size",
  protocol: 'coap',
  section: 'block-wise',
  spec: 'RFC 7959 §4',
  notOffered: [NOT_CREATED, { when: 'block2|size2_absent', because: 'the server sends no Size2 (optional, RFC 7959 §4)' }],
});

export default defineScenario(
  readScenario('probe-coap-size2', { size: 1000, blockSize: 256 }, {
    'get.acked': ['rate == 1'],
    'get|block2|size2_matched': ['== 1'],
  }),
);
