// The scenario the block-wise read probes share: a writer PUTs a representation of `size` bytes
// once (above 1024 bytes it goes as Block1 blocks), and a reader GETs it once, 667 ms in,
// asking for `blockSize` (below 1024 with Block2 in the first request: early negotiation, RFC 7959
// §2.4). Probe files import this; it is not a probe itself.
import { bytes, coap, every, stages, type ScenarioDefinition } from 'fleetbench';

export function readScenario(
  name: string,
  o: { size: number; blockSize: 128 | 256 | 1024 },
  thresholds: Record<string, string[]>,
): ScenarioDefinition {
  const path = `/probe/{run}/${name}/0`;
  return {
    name,
    duration: '1500ms',
    // A lock-step transfer of a few blocks: room for slow round trips on a busy machine.
    drain: '1s',
    fleets: {
      put: { count: 1, protocol: coap({ method: 'PUT' }), path, send: every('2s'), messages: 1, payload: bytes(o.size) },
      // The rate ramps from 0 to 1.5/s in 1 ms and holds: the GET is due 667 ms in, after the upload.
      get: {
        count: 1,
        protocol: coap({ method: 'GET', blockSize: o.blockSize }),
        path,
        send: stages([{ target: '90/m', duration: '1ms' }]),
        messages: 1,
      },
    },
    thresholds,
  };
}

export const NOT_CREATED = {
  when: 'put|response|4.04',
  because: 'the server does not create resources on PUT (4.04): nothing to read',
};
