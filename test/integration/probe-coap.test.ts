// The CoAP probe catalogue (probes/coap/) against libcoap 4.3.1's example server and the embedded
// CoAP server, in one matrix run: every cell is known, and each is asserted with what was seen.
//
// libcoap runs with `-d 100` so that PUT creates resources (test/helpers/coap-peers.ts documents
// its resources): without it the probes that write get 4.04 and say n/a. Two of its cells are ✗,
// both known upstream: it processes a retransmitted CON again instead of answering it from a cache
// (RFC 7252 §4.5; obgm/libcoap#1729, fixed by #2089 after 4.3.1), and it serves a request whose
// Block2 has the reserved SZX 7 instead of answering 4.00 (RFC 7959 §2.2; obgm/libcoap#2112). The
// embedded server has no slow resource, so the separate-response row is n/a there.
//
// Every row runs against libcoap; against the embedded server only the rows where it differs from
// libcoap, where a fix of ours made its cell ✓ (4.05 on /.well-known/core, 4.02, 4.00, 5.05: they
// were ✗ before), or that exercise the driver's own new parts (mid-run deregistration, extra
// options). Its other rows take the same code paths as the embedded server's own tests
// (coap-embedded.test.ts); each run costs about 1.5 s of CPU, and 40 of them overrun the file's
// time budget on two cores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeMatrix } from '../../src/probe/matrix.ts';
import type { CellStatus } from '../../src/probe/verdict.ts';
import { type LibcoapServer, startLibcoapServer } from '../helpers/coap-peers.ts';
import { cellOf, probeMatrix, showCell } from '../helpers/probes.ts';

type Known = CellStatus | [CellStatus, RegExp];

/** Row → [libcoap, embedded]: the status of each target's cell, and what a ✗ or n/a must say; null: not run there. */
const KNOWN: Record<string, [Known, Known | null]> = {
  'coap/con': ['pass', null],
  'coap/con-separate': ['pass', ['na', /no slow resource at \/async/]],
  'coap/non': ['pass', null],
  // libcoap answered the retransmission 2.04 Changed: it processed the PUT a second time.
  'coap/dedup': [['fail', /put\|response\|2\.01: measured 0, limit == 1 \(response counted: 2\.04 ×1\)/], 'pass'],
  'coap/put-create': ['pass', null],
  'coap/observe-register': ['pass', null],
  'coap/observe-notify': ['pass', null],
  'coap/observe-deregister-get': ['pass', 'pass'],
  'coap/observe-deregister-rst': ['pass', 'pass'],
  'coap/block1': ['pass', null],
  'coap/block2': ['pass', null],
  'coap/block2-size': ['pass', 'pass'],
  'coap/size2': ['pass', null],
  'coap/discovery': ['pass', null],
  'coap/not-found': ['pass', null],
  'coap/method-not-allowed': ['pass', 'pass'],
  'coap/critical-option': ['pass', 'pass'],
  'coap/elective-option': ['pass', 'pass'],
  // libcoap served the request (2.05) instead of refusing the reserved block size.
  'coap/reserved-block-size': [
    ['fail', /req\|response\|4\.00: measured 0, limit == 1 \(response counted: 2\.05 ×1\)/],
    'pass',
  ],
  'coap/proxy-uri': ['pass', 'pass'],
};

const EMBEDDED_ROWS = Object.entries(KNOWN)
  .filter(([, [, embedded]]) => embedded !== null)
  .map(([row]) => row);

describe('CoAP probes: libcoap coap-server-notls and the embedded server', () => {
  let server: LibcoapServer;
  let matrices: Record<'libcoap' | 'embedded-coap', ProbeMatrix>;

  beforeAll(async () => {
    server = await startLibcoapServer({ args: ['-d', '100'] });
    // `only` matches ids by substring: none of the embedded rows' ids is part of another row's.
    const [lib, emb] = await Promise.all([
      probeMatrix({ targets: [`libcoap=${server.url}`], only: ['coap/'], parallel: 3 }),
      probeMatrix({ targets: ['embedded:coap'], only: EMBEDDED_ROWS, parallel: 3 }),
    ]);
    matrices = { libcoap: lib, 'embedded-coap': emb };
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('runs exactly the catalogue rows', () => {
    expect(matrices.libcoap.rows.map((r) => r.id).sort()).toEqual(Object.keys(KNOWN).sort());
    expect(matrices['embedded-coap'].rows.map((r) => r.id).sort()).toEqual([...EMBEDDED_ROWS].sort());
  });

  it.each(Object.entries(KNOWN))('%s', (row, [libcoap, embedded]) => {
    for (const [target, known] of [
      ['libcoap', libcoap],
      ['embedded-coap', embedded],
    ] as const) {
      if (known === null) continue;
      const cell = cellOf(matrices[target], row, target);
      const [status, seen] = typeof known === 'string' ? [known, undefined] : known;
      expect(cell.status, `${row} × ${target}: ${showCell(cell)}`).toBe(status);
      if (seen) expect(cell.seen, `${row} × ${target}`).toMatch(seen);
    }
  });
});
