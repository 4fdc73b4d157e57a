// The AMQP 0-9-1 probe catalogue (probes/amqp/) against the machine's RabbitMQ: every row is a
// behaviour RabbitMQ 3.x is known to have (publisher confirms, mandatory returns, TTL, dead
// lettering by reason (rejected, maxlen; expired in the ttl rows), the three overflow modes, priority queues, prefetch, transactions), so
// every cell must be ✓. A ✗ names the thresholds that failed and what they measured.
import { describe, expect, it } from 'vitest';
import { cellOf, probeMatrix, showCell } from '../helpers/probes.ts';

const RABBIT = 'rabbit=amqp://guest:guest@127.0.0.1:5672';

/** Every row of the catalogue, with what its ✓ rests on (the thresholds the cell reports as held). */
const ROWS: Record<string, string[]> = {
  'amqp/confirms': ['pub.acked: rate == 1', 'pub.confirm_nacks: count == 0'],
  'amqp/mandatory': ['lost.returned_no_route: rate == 1', 'routed.returned: count == 0'],
  'amqp/ttl@message': ['main.received: count == 0', 'dlq.dead_letters_expired: rate == 1'],
  'amqp/ttl@queue': ['main.received: count == 0', 'dlq.dead_letters_expired: rate == 1'],
  'amqp/dead-letter@rejected': ['dlq.dead_letters_rejected: rate == 1', 'dlq.dead_letters: count == 8'],
  'amqp/dead-letter@maxlen': ['dlq.dead_letters_maxlen: rate == 1', 'main.received: count == 2'],
  'amqp/overflow@drop-head': ['dlq.dead_letters_maxlen: rate == 1', 'confirm_nacks: count == 0'],
  'amqp/overflow@reject-publish': ['new.confirm_nacks: rate == 1', 'dlq.received: count == 0'],
  'amqp/overflow@reject-publish-dlx': ['new.confirm_nacks: rate == 1', 'dlq.dead_letters_maxlen: rate == 1'],
  'amqp/priority': ['main.priority_rises: count == 0', 'main.received: count == 12'],
  'amqp/prefetch': ['work.unacked_peak: count <= 3', 'work.queued: count > 0'],
  'amqp/tx@commit': ['sub.e2e_latency: min >= 50ms', 'pub.acked: rate == 1'],
  'amqp/tx@rollback': ['pub.rolled_back: count == 4', 'sub.received: count == 4'],
};

describe('AMQP probes against RabbitMQ', () => {
  it('every behaviour of the catalogue holds', async () => {
    const m = await probeMatrix({ targets: [RABBIT], only: ['amqp/'], parallel: 6 });
    expect(
      m.rows.map((r) => r.id),
      'the catalogue rows',
    ).toEqual(expect.arrayContaining(Object.keys(ROWS)));
    for (const [row, held] of Object.entries(ROWS)) {
      const cell = cellOf(m, row, 'rabbit');
      expect(cell.status, `${row}: ${showCell(cell)}`).toBe('pass');
      for (const h of held) expect(cell.seen, row).toContain(h);
    }
  });
});
