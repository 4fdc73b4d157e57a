// Early block-size negotiation: a client that asks for block 0 with a smaller SZX gets blocks of
// that size or smaller (RFC 7959 §2.4: "A server MUST use the block size indicated or a smaller
// size"). 1000 bytes, a single datagram when nobody asks, in 128-byte blocks: at least 8.
import { defineProbe, defineScenario } from 'fleetbench';
import { NOT_CREATED, readScenario } from './_blocks.ts';

export const probe = defineProbe({
  behaviour: "Block2 honours the client's smaller block size",
  protocol: 'coap',
  section: 'block-wise',
  spec: 'RFC 7959 §2.3, §2.4',
  notOffered: [NOT_CREATED],
});

export default defineScenario(
  readScenario('probe-coap-block2-size', { size: 1000, blockSize: 128 }, {
    'get.acked': ['rate == 1'],
    'get|block2|received': ['>= 8'],
  }),
);
