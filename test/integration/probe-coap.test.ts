// The CoAP probe catalogue (probes/coap/) against libcoap 4.3.1's example server and the embedded
// CoAP server, in one matrix run: every cell is known, and each is asserted with what was seen.
//
// libcoap runs with `-d 100` so that PUT creates resources (test/helpers/coap-peers.ts documents
// its resources): without it the probes that write get 4.04 and say n/a. Two of its cells are ✗,
// both known upstream: it processes a retransmitted CON again instead of answering it from a cache
// (RFC 7252 §4.5; obgm/libcoap#1729, fixed by #2089 after 4.3.1), and it serves a request whose
// Block2 has the reserved SZX 7 instead of answering 4.00 (RFC 7959 §2.2; obgm/libcoap#2112). The
// embedded server has no slow resource, so the separate-response row is n/a there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeMatrix } from '../../src/probe/matrix.ts';
import type { CellStatus } from '../../src/probe/verdict.ts';
import { type LibcoapServer, startLibcoapServer } from '../helpers/coap-peers.ts';
import { cellOf, probeMatrix, showCell } from '../helpers/probes.ts';

/** Row → [libcoap, embedded]: the status each target's cell has, and what a ✗ or n/a must say. */
const KNOWN: Record<string, [CellStatus | [CellStatus, RegExp], CellStatus | [CellStatus, RegExp]]> = {
  'coap/con': ['pass', 'pass'],
  'coap/con-separate': ['pass', ['na', /no slow resource at \/async/]],
  'coap/non': ['pass', 'pass'],
  // libcoap answered the retransmission 2.04 Changed: it processed the PUT a second time.
  'coap/dedup': [['fail', /put\|response\|2\.01: measured 0, limit == 1 \(response counted: 2\.04 ×1\)/], 'pass'],
  'coap/put-create': ['pass', 'pass'],
  'coap/observe-register': ['pass', 'pass'],
  'coap/observe-notify': ['pass', 'pass'],
  'coap/observe-deregister-get': ['pass', 'pass'],
  'coap/observe-deregister-rst': ['pass', 'pass'],
  'coap/block1': ['pass', 'pass'],
  'coap/block2': ['pass', 'pass'],
  'coap/block2-size': ['pass', 'pass'],
  'coap/size2': ['pass', 'pass'],
  'coap/discovery': ['pass', 'pass'],
  'coap/not-found': ['pass', 'pass'],
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

describe('CoAP probes: libcoap coap-server-notls and the embedded server', () => {
  let server: LibcoapServer;
  let matrix: ProbeMatrix;

  beforeAll(async () => {
    server = await startLibcoapServer({ args: ['-d', '100'] });
    matrix = await probeMatrix({ targets: [`libcoap=${server.url}`, 'embedded:coap'], only: ['coap/'], parallel: 6 });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('runs exactly the catalogue rows', () => {
    expect(matrix.rows.map((r) => r.id).sort()).toEqual(Object.keys(KNOWN).sort());
  });

  it.each(Object.entries(KNOWN))('%s', (row, [libcoap, embedded]) => {
    for (const [target, known] of [
      ['libcoap', libcoap],
      ['embedded-coap', embedded],
    ] as const) {
      const cell = cellOf(matrix, row, target);
      const [status, seen] = typeof known === 'string' ? [known, undefined] : known;
      expect(cell.status, `${row} × ${target}: ${showCell(cell)}`).toBe(status);
      if (seen) expect(cell.seen, `${row} × ${target}`).toMatch(seen);
    }
  });
});
