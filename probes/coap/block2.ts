// A representation larger than a block is read in Block2 blocks: the server sends block 0 with
// M set, and the client asks for the next ones until M is clear (RFC 7959 §2.4). 3000 bytes are
// at least three blocks of at most 1024 (a server may choose smaller ones, §2.2).
import { defineProbe, defineScenario } from 'fleetbench';
import { NOT_CREATED, readScenario } from './_blocks.ts';

export const probe = defineProbe({
  behaviour: 'Block2 download of a large representation',
  protocol: 'coap',
  section: 'block-wise',
  spec: 'RFC 7959 §2.4',
  notOffered: [NOT_CREATED],
});

export default defineScenario(
  readScenario('probe-coap-block2', { size: 3000, blockSize: 1024 }, {
    'get.acked': ['rate == 1'],
    'get|block2|received': ['>= 3'],
  }),
);
