// Issue 15 item 10: a consumer slower than its publishers ends the run with messages still in
// its queue. They are `queued`, not `lost`, and the count is the broker's own (a passive
// queue.declare from the test, AMQP 0-9-1 §1.7.2.1); what the consumer received is acked before
// its channel closes, so nothing it counted comes back as a redelivery. The same holds for the
// default queue, which the broker deletes with its consumer.
import amqplib from 'amqplib';
import { expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { writeScenario } from '../helpers/scenario.ts';

const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';

it('counts what a slow consumer left in its queue as queued, not lost, and requeues nothing it received', async () => {
  // A named, non-auto-delete queue survives the run, so the test can read it afterwards.
  const file = writeScenario(
    'amqp-queued',
    `export default defineScenario({
      name: 'amqp-queued', duration: '2s', drain: '300ms',
      fleets: { gw: { count: 2, protocol: amqp({ confirm: true }), topic: 'fbtest.{run}.slow.{id}', send: every('2ms'), messages: 100, payload: bytes(32) } },
      observers: {
        backend: { protocol: amqp({ queue: { name: 'fbtest-slow-{run}', autoDelete: false }, prefetch: 3, processing: '30ms' }), receives: ['gw'] },
        scratch: { protocol: amqp({ prefetch: 3, processing: '30ms' }), receives: ['gw'] },
      },
      thresholds: { 'backend.queued': ['count > 0'] },
    });`,
  );
  const { result } = await run({ scenario: file, workers: 1, write: false, targets: { amqp: RABBITMQ } });
  const queue = `fbtest-slow-${result.run.id}`;
  const conn = await amqplib.connect(RABBITMQ);
  try {
    const ch = await conn.createChannel();
    const { messageCount } = await ch.checkQueue(queue);
    const d = result.delivery.find((x) => x.from === 'gw' && x.to === 'backend');
    if (!d) throw new Error('no gw → backend row');
    expect(d.expected).toBe(200);
    // Three in flight at 30 ms each: about 100/s against 200 sent in well under a second.
    expect(d.unique).toBeLessThan(200);
    expect(d.queued).toBeGreaterThan(0);
    // The broker's own count is the row's, and together with what was received it is everything.
    expect(d.queued).toBe(messageCount);
    expect(d.unique + (d.queued ?? 0)).toBe(200);
    expect(d.lost).toBe(0);
    // Sends every 2 ms fire up to 250 µs early (send-loop.ts): measured from when they went out,
    // never from a later intended time, so no corrected latency is below its service time.
    expect(d.latency.corrected.min).toBeGreaterThanOrEqual(d.latency.service.min);
    const ack = result.fleets.gw?.latency.ack;
    expect(ack?.corrected.min).toBeGreaterThanOrEqual(ack?.service.min ?? Number.POSITIVE_INFINITY);
    expect(d.verdict.kept).toBe(true);
    const threshold = result.thresholds?.find((t) => t.key === 'backend.queued');
    expect(threshold?.actual).toBe(messageCount);
    expect(threshold?.passed).toBe(true);
    const stats = (result.fleets.backend as unknown as { amqp: { consumer: { acked: number } } }).amqp.consumer;
    // Every delivery was acked, those still being processed at the end included.
    expect(stats.acked).toBe(d.received);
    // The default queue (server-named, exclusive, auto-delete) goes with its consumer's cancel, so
    // its depth is read before: still queued, not lost, and no error from acking after the cancel.
    const scratch = result.delivery.find((x) => x.from === 'gw' && x.to === 'scratch');
    expect(scratch?.queued).toBeGreaterThan(0);
    expect(scratch?.lost).toBe(0);
    expect((scratch?.unique ?? 0) + (scratch?.queued ?? 0)).toBe(200);
    expect(result.errors).toEqual([]);
    // Nothing the consumer received went back: what is left is first deliveries only, none of them seen.
    let left = 0;
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (m === false) break;
      left++;
      expect(m.fields.redelivered).toBe(false);
    }
    expect(left).toBe(messageCount);
  } finally {
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await conn.close();
  }
}, 30_000);
