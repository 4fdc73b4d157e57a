// The shape of `result.impairment.<target>` (types in src/impair/spec.ts), checked when a saved result is read.
import type { Lateness } from '../impair/lateness.ts';
import type { DatagramCounts, DatagramStats, ImpairmentResult, ImpairSpec, StreamStats } from '../impair/spec.ts';
import { allDrivers } from '../protocols/registry.ts';
import { array, fields, int, num, oneOf, optional, record, type Shape, str } from './shape.ts';

const spec = fields<ImpairSpec>({
  latencyMs: num,
  jitterMs: num,
  loss: num,
  bandwidthBytesPerS: num,
  blackholes: array(fields<ImpairSpec['blackholes'][number]>({ atMs: num, forMs: num })),
  resetsAtMs: array(num),
});

const counts = fields<DatagramCounts>({
  received: int,
  forwarded: int,
  bytes: int,
  lost: int,
  blackholed: int,
  repeats: int,
});

export const impairmentShape: Shape = record(
  fields<ImpairmentResult>({
    // The transports drivers run over (Driver.transport), named by the registry, not here.
    transport: oneOf(...new Set(allDrivers().map((d) => d.transport))),
    upstream: str,
    spec,
    blackholedMs: num,
    lateness: fields<Lateness>({ count: int, p50Ms: num, p99Ms: num, maxMs: num }),
    stream: optional(
      fields<StreamStats>({
        connections: int,
        upstreamFailed: int,
        bytesUp: int,
        bytesDown: int,
        resets: int,
        held: int,
      }),
    ),
    datagram: optional(fields<DatagramStats>({ flows: int, up: counts, down: counts })),
  }),
);
