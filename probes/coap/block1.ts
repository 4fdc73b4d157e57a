// A request body larger than a block is sent in Block1 blocks, lock-step: the server answers
// every block but the last with 2.31 Continue and the last with the request's final response
// (RFC 7959 §2.3, §2.5). 3000 bytes in 1024-byte blocks: three blocks, two answered 2.31.
import { bytes, coap, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'Block1 upload: 2.31 Continue, then the final response',
  protocol: 'coap',
  section: 'block-wise',
  spec: 'RFC 7959 §2.3, §2.5',
  notOffered: [{ when: 'put|response|4.04', because: 'the server does not create resources on PUT (4.04)' }],
});

export default defineScenario({
  name: 'probe-coap-block1',
  duration: '1500ms',
  // A lock-step transfer of three blocks: room for slow round trips on a busy machine.
  drain: '1s',
  fleets: {
    put: {
      count: 1,
      protocol: coap({ method: 'PUT', blockSize: 1024 }),
      path: '/probe/{run}/block1/{id}',
      send: every('2s'),
      messages: 1,
      payload: bytes(3000),
    },
  },
  thresholds: {
    'put.acked': ['rate == 1'],
    'put|block1|sent': ['== 3'],
    'put|block1|continue': ['== 2'],
  },
});
