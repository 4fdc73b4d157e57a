// AMQP 0-9-1 fleets and observers through the real runner against the machine's RabbitMQ:
// confirms, transactions, mandatory returns, the four exchange types, prefetch, and the three
// dead-letter reasons (rejected, expired, maxlen) read from x-death, all with exact counts.
//
// Every run has names of its own ({run} in every exchange, queue and routing key), and most of a
// run is waiting (the drain), so runs run concurrently (`it.concurrent`, with the test's own
// `expect`; at most 3 at a time, test/vitest.config.ts). Behaviours whose checks read only their
// own groups share a run, each with fleets and observers of its own on routing keys and queues of
// its own (confirms, transactions and mandatory returns; rejects, requeues and competing
// consumers): a run costs its worker's start-up and its drain. Three counts race a consumer's pace
// against the publisher's (prefetch, TTL expiry, max-length overflow): each needs a backlog, the
// publisher far ahead of a consumer that takes a fixed time per message. A busy machine only
// deepens it: publisher and consumer share the run's one worker thread, so a stall holds both,
// and the send loop then fires every send that fell due at once (src/runner/send-loop.ts), so
// those three run concurrently too, each in its own run (their dead-letter queues would mix). The
// partial batch commit runs alone (see there).
import amqplib from 'amqplib';
import { describe, type ExpectStatic, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { RunResult } from '../../src/result/types.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';
import { waitFor } from '../helpers/wait.ts';

const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';

/** `check` is the calling test's own `expect` when it runs concurrently with others. */
async function runScenario(name: string, body: string, check: ExpectStatic = expect): Promise<RunResult> {
  const file = writeScenario(name, body);
  const { result } = await run({ scenario: file, workers: 1, write: false, targets: { amqp: RABBITMQ } });
  check(result.run.partial).toBe(false);
  return result;
}

/** A run several tests read: started by the first of them that asks for it. */
function shared(name: string, body: string): () => Promise<RunResult> {
  let started: Promise<RunResult> | undefined;
  return () => (started ??= runScenario(name, body));
}

const pair = (r: RunResult, from: string, to: string) => {
  const d = r.delivery.find((x) => x.from === from && x.to === to);
  if (!d) throw new Error(`no delivery ${from} → ${to} in ${r.delivery.map((x) => `${x.from}→${x.to}`).join(', ')}`);
  return d;
};
const amqpStats = (r: RunResult, group: string) =>
  (
    r.fleets[group] as unknown as {
      amqp: {
        confirms: { acked: number; nacked: number };
        returned: Record<string, number>;
        commits: number;
        consumer: { acked: number; nacked: number; requeued: number; redelivered: number; unackedPeak: number };
        deadLetters: Record<string, number>;
      };
    }
  ).amqp;

/** Confirms (gw → backend), transactions (batcher → ledger) and mandatory returns (lost), side by side. */
const publishers = shared(
  'amqp-publishers',
  `export default defineScenario({
    name: 'amqp-publishers', duration: '10s', drain: '${DRAIN}',
    fleets: {
      gw: { count: 4, protocol: amqp({ confirm: true, persistent: true }), topic: 'fbtest.{run}.gw.{id}', send: every('10ms'), messages: 50, payload: bytes(48) },
      batcher: { count: 2, protocol: amqp({ tx: 10 }), topic: 'fbtest.{run}.tx.{id}', send: every('5ms'), messages: 40, payload: bytes(32) },
      lost: { count: 2, protocol: amqp({ mandatory: true }), topic: 'fbtest.{run}.nobody.{id}', send: every('10ms'), messages: 25, payload: bytes(24) },
    },
    observers: {
      backend: { count: 2, protocol: amqp({ prefetch: 50 }), receives: ['gw'] },
      ledger: { protocol: amqp(), receives: ['batcher'] },
    },
  });`,
);

/**
 * Rejects dead-lettered (sensors → worker, dlq), rejects requeued (readings → requeuer) and
 * competing consumers (jobs → workers), side by side. Only the worker's queue names the
 * dead-letter exchange: dlq sees its rejects alone.
 */
const consumers = shared(
  'amqp-consumers',
  `export default defineScenario({
    name: 'amqp-consumers', duration: '10s', drain: '${DRAIN}',
    fleets: {
      sensors: { count: 2, protocol: amqp(), topic: 'fbtest.{run}.nack.{id}', send: every('10ms'), messages: 30, payload: bytes(24) },
      readings: { count: 1, protocol: amqp(), topic: 'fbtest.{run}.requeue', send: every('10ms'), messages: 40, payload: bytes(24) },
      jobs: { count: 2, protocol: amqp(), topic: 'fbtest.{run}.jobs.{id}', send: every('5ms'), messages: 50, payload: bytes(24) },
    },
    observers: {
      worker: { protocol: amqp({ queue: { name: 'fbtest-work-{run}', deadLetterExchange: 'fbtest.dlx.{run}' }, reject: { every: 5 } }), receives: ['sensors'] },
      dlq: { protocol: amqp({ exchange: 'fbtest.dlx.{run}', exchangeType: 'fanout', queue: 'fbtest-dlq-{run}', deadLetters: true }), receives: ['sensors'] },
      requeuer: { protocol: amqp({ reject: { every: 4, requeue: true } }), receives: ['readings'] },
      workers: { count: 3, protocol: amqp({ queue: 'fbtest-jobs-{run}', prefetch: 10 }), receives: ['jobs'] },
    },
  });`,
);

describe('AMQP publishers against RabbitMQ', () => {
  // Alone: a stall of half the maxDelay while the first batch goes out would commit early.
  it('commits a partial batch after maxDelay', async () => {
    const r = await runScenario(
      'amqp-tx-partial',
      `export default defineScenario({
        name: 'amqp-tx-partial', duration: '10s', drain: '${DRAIN}',
        fleets: { batcher: { count: 1, protocol: amqp({ tx: { batch: 10, maxDelay: '100ms' } }), topic: 'fbtest.{run}.txp', send: every('5ms'), messages: 15, payload: bytes(32) } },
        observers: { backend: { protocol: amqp(), receives: ['batcher'] } },
      });`,
    );
    expect(amqpStats(r, 'batcher').commits).toBe(2);
    expect(r.fleets.batcher!.messages.acked).toBe(15);
    expect(pair(r, 'batcher', 'backend').unique).toBe(15);
  });

  it.concurrent('routes through topic, direct, fanout and headers exchanges with exact counts', async ({ expect }) => {
    const r = await runScenario(
      'amqp-exchanges',
      `export default defineScenario({
        name: 'amqp-exchanges', duration: '10s', drain: '${DRAIN}',
        fleets: {
          t: { count: 2, protocol: amqp({ exchange: 'fbtest.topic.{run}', exchangeType: 'topic' }), topic: 'site.{id}.temp', send: every('10ms'), messages: 20, payload: bytes(24) },
          d: { count: 1, protocol: amqp({ exchange: 'fbtest.direct.{run}', exchangeType: 'direct' }), topic: 'valves', send: every('10ms'), messages: 20, payload: bytes(24) },
          f: { count: 1, protocol: amqp({ exchange: 'fbtest.fanout.{run}', exchangeType: 'fanout' }), topic: 'ignored', send: every('10ms'), messages: 20, payload: bytes(24) },
          h: { count: 1, protocol: amqp({ exchange: 'fbtest.headers.{run}', exchangeType: 'headers', headers: { kind: 'gps', site: 'north' } }), topic: 'ignored', send: every('10ms'), messages: 20, payload: bytes(24) },
        },
        observers: {
          tq: { protocol: amqp({ exchange: 'fbtest.topic.{run}', exchangeType: 'topic' }), receives: ['t'] },
          dq: { protocol: amqp({ exchange: 'fbtest.direct.{run}', exchangeType: 'direct' }), receives: ['d'] },
          fq: { count: 3, protocol: amqp({ exchange: 'fbtest.fanout.{run}', exchangeType: 'fanout' }), receives: ['f'] },
          hq: { protocol: amqp({ exchange: 'fbtest.headers.{run}', exchangeType: 'headers', bindArguments: { 'x-match': 'all', kind: 'gps' } }), receives: ['h'] },
        },
      });`,
      expect,
    );
    expect(pair(r, 't', 'tq').unique).toBe(40);
    expect(pair(r, 'd', 'dq').unique).toBe(20);
    expect(pair(r, 'f', 'fq').unique).toBe(60);
    expect(pair(r, 'h', 'hq').unique).toBe(20);
    // Nothing crossed into another observer's queue.
    expect(r.delivery.filter((d) => d.expected === 0 && d.received > 0)).toEqual([]);
    for (const d of r.delivery) expect(d.lost).toBe(0);
  });

  it.concurrent('confirms every publish, times each confirm, and the consumer receives exactly what was sent', async ({
    expect,
  }) => {
    const r = await publishers();
    const gw = r.fleets.gw!;
    expect(gw.messages.sent).toBe(200);
    expect(gw.messages.acked).toBe(200);
    expect(gw.latency.ack?.corrected.count).toBe(200);
    expect(amqpStats(r, 'gw').confirms).toEqual({ acked: 200, nacked: 0, unconfirmedAtClose: 0 });
    const d = pair(r, 'gw', 'backend');
    // Two observers with their own server-named queues: each gets every message.
    expect(d.mode).toBe('each');
    expect(d.expected).toBe(400);
    expect(d.unique).toBe(400);
    expect(d.lost).toBe(0);
    expect(d.verdict.kept).toBe(true);
    expect(d.promise.noLoss).toBe(true);
    expect(d.latency.corrected.count).toBe(400);
    expect(amqpStats(r, 'backend').consumer.acked).toBe(400);
    // Bytes are the socket's: connection handshake + frames, more than the payloads alone.
    expect(gw.bytes.sent).toBeGreaterThan(200 * 48);
  });

  it.concurrent('sets persistence, priority, TTL and headers on the wire (read back by an amqplib consumer)', async ({
    expect,
  }) => {
    const conn = await amqplib.connect(RABBITMQ);
    const ch = await conn.createChannel();
    const q = await ch.assertQueue('', { exclusive: true, arguments: { 'x-max-priority': 9 } });
    const runTag = `props${Date.now()}`;
    await ch.bindQueue(q.queue, 'amq.topic', `fbtest.${runTag}.#`);
    const seen: amqplib.ConsumeMessage[] = [];
    await ch.consume(q.queue, (m) => m && seen.push(m), { noAck: true });
    await runScenario(
      'amqp-props',
      `export default defineScenario({
        name: 'amqp-props', duration: '5s', drain: '${DRAIN}',
        fleets: { p: { count: 1, protocol: amqp({ persistent: true, priority: 7, ttl: '30s', headers: { site: 'north', floor: 3 } }), topic: 'fbtest.${runTag}.p', send: every('10ms'), messages: 5, payload: bytes(24) } },
      });`,
      expect,
    );
    // The run's consumers are closed; this one may still be taking the last deliveries.
    await waitFor(() => seen.length >= 5, {
      what: 'the 5 messages at the amqplib consumer',
      detail: () => seen.length,
    });
    await conn.close();
    expect(seen).toHaveLength(5);
    for (const m of seen) {
      expect(m.properties.deliveryMode).toBe(2);
      expect(m.properties.priority).toBe(7);
      expect(m.properties.expiration).toBe('30000');
      expect(m.properties.headers).toMatchObject({ site: 'north', floor: 3 });
      expect(m.fields.routingKey).toBe(`fbtest.${runTag}.p`);
    }
  });

  it.concurrent('commits transactions in batches and times each commit', async ({ expect }) => {
    const r = await publishers();
    const f = r.fleets.batcher!;
    expect(f.messages.sent).toBe(80);
    // 40 messages per device in batches of 10: exactly 4 commits each, every message acked at its commit.
    expect(amqpStats(r, 'batcher').commits).toBe(8);
    expect(f.latency.commit?.count).toBe(8);
    expect(f.messages.acked).toBe(80);
    expect(pair(r, 'batcher', 'ledger').unique).toBe(80);
  });

  it.concurrent('counts mandatory messages that no queue takes as returned with 312 NO_ROUTE', async ({ expect }) => {
    const r = await publishers();
    expect(r.fleets.lost!.messages.sent).toBe(50);
    expect(amqpStats(r, 'lost').returned).toEqual({ '312': 50 });
    // A returned message is still confirmed (RabbitMQ confirms after the return).
    expect(r.fleets.lost!.messages.acked).toBe(50);
  });
});

describe('AMQP consumers against RabbitMQ', () => {
  it.concurrent('prefetch bounds unacknowledged deliveries: a slow consumer never holds more than its prefetch', async ({
    expect,
  }) => {
    const r = await runScenario(
      'amqp-prefetch',
      `export default defineScenario({
        name: 'amqp-prefetch', duration: '10s', drain: '3s',
        fleets: { burst: { count: 1, protocol: amqp(), topic: 'fbtest.{run}.burst', send: every('1ms'), messages: 50, payload: bytes(24) } },
        observers: { slow: { protocol: amqp({ prefetch: 5, processing: '20ms' }), receives: ['burst'] } },
      });`,
      expect,
    );
    const s = amqpStats(r, 'slow').consumer;
    // 50 messages queued in 50 ms, 20 ms each to process: the backlog is deep, so the consumer
    // holds exactly its prefetch, never more. Working it off takes 1 s; the drain leaves 3 s.
    expect(s.unackedPeak).toBe(5);
    expect(pair(r, 'burst', 'slow').unique).toBe(50);
    expect(s.acked).toBe(50);
  });

  it.concurrent('dead-letters rejected messages with reason "rejected" (nack without requeue)', async ({ expect }) => {
    const r = await consumers();
    const w = amqpStats(r, 'worker');
    expect(pair(r, 'sensors', 'worker').unique).toBe(60);
    // Every 5th first delivery is nacked: 12 of 60, each dead-lettered exactly once.
    expect(w.consumer.nacked).toBe(12);
    expect(w.consumer.acked).toBe(48);
    expect(amqpStats(r, 'dlq').deadLetters).toEqual({ rejected: 12 });
    const dl = pair(r, 'sensors', 'dlq');
    expect(dl.unique).toBe(12);
    // A dead-letter queue expects only part of the stream: its "loss" is no violation.
    expect(dl.promise.noLoss).toBe(false);
    expect(dl.verdict.kept).toBe(true);
  });

  it.concurrent('dead-letters expired messages with reason "expired" (queue TTL): received + expired = sent', async ({
    expect,
  }) => {
    const r = await runScenario(
      'amqp-dlx-ttl',
      `export default defineScenario({
        name: 'amqp-dlx-ttl', duration: '10s', drain: '${DRAIN}',
        fleets: { sensors: { count: 1, protocol: amqp(), topic: 'fbtest.{run}.ttl', send: every('2ms'), messages: 60, payload: bytes(24) } },
        observers: {
          slow: { protocol: amqp({ queue: { name: 'fbtest-ttl-{run}', ttl: '100ms', deadLetterExchange: 'fbtest.dlx.{run}' }, prefetch: 1, processing: '40ms' }), receives: ['sensors'] },
          dlq: { protocol: amqp({ exchange: 'fbtest.dlx.{run}', exchangeType: 'fanout', queue: 'fbtest-dlq-{run}', deadLetters: true }), receives: ['sensors'] },
        },
      });`,
      expect,
    );
    const received = pair(r, 'sensors', 'slow').unique;
    const expired = amqpStats(r, 'dlq').deadLetters.expired ?? 0;
    // 60 messages in 120 ms, one consumed per 40 ms, each expiring after 100 ms in the queue:
    // most expire, and every message is either consumed or dead-lettered, never both, never neither.
    expect(expired).toBeGreaterThan(30);
    expect(received + expired).toBe(60);
    expect(pair(r, 'sensors', 'dlq').unique).toBe(expired);
    expect(pair(r, 'sensors', 'slow').promise.noLoss).toBe(false);
  });

  it.concurrent('dead-letters overflow with reason "maxlen" (x-max-length, drop-head): received + dropped = sent', async ({
    expect,
  }) => {
    const r = await runScenario(
      'amqp-dlx-maxlen',
      `export default defineScenario({
        name: 'amqp-dlx-maxlen', duration: '10s', drain: '${DRAIN}',
        fleets: { sensors: { count: 1, protocol: amqp(), topic: 'fbtest.{run}.maxlen', send: every('1ms'), messages: 80, payload: bytes(24) } },
        observers: {
          slow: { protocol: amqp({ queue: { name: 'fbtest-maxlen-{run}', maxLength: 10, deadLetterExchange: 'fbtest.dlx.{run}' }, prefetch: 1, processing: '15ms' }), receives: ['sensors'] },
          dlq: { protocol: amqp({ exchange: 'fbtest.dlx.{run}', exchangeType: 'fanout', queue: 'fbtest-dlq-{run}', deadLetters: true }), receives: ['sensors'] },
        },
      });`,
      expect,
    );
    const received = pair(r, 'sensors', 'slow').unique;
    const dropped = amqpStats(r, 'dlq').deadLetters.maxlen ?? 0;
    expect(dropped).toBeGreaterThan(20);
    expect(received + dropped).toBe(80);
    expect(amqpStats(r, 'dlq').deadLetters).toEqual({ maxlen: dropped });
  });

  it.concurrent('requeued rejects come back as redeliveries and are then acknowledged', async ({ expect }) => {
    const r = await consumers();
    const w = amqpStats(r, 'requeuer').consumer;
    expect(w.requeued).toBe(10);
    expect(w.redelivered).toBe(10);
    expect(w.acked).toBe(40);
    const d = pair(r, 'readings', 'requeuer');
    expect(d.unique).toBe(40);
    expect(d.duplicated).toBe(10);
    expect(d.lost).toBe(0);
  });

  it.concurrent('competing consumers on one named queue split the stream: each message once across the group', async ({
    expect,
  }) => {
    const r = await consumers();
    const d = pair(r, 'jobs', 'workers');
    expect(d.mode).toBe('group');
    expect(d.expected).toBe(100);
    expect(d.unique).toBe(100);
    expect(d.duplicated).toBe(0);
    expect(d.spread?.members).toBe(3);
  });
});
