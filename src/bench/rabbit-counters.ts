// RabbitMQ's own view of a bench run: its global AMQP 0-9-1 message counters (read through
// `rabbitmqctl eval`, as its Prometheus endpoint would report them) and the message count of a
// queue once it has stopped changing. Both are independent of fleetbench's counting.
import { execFile } from 'node:child_process';
import amqplib from 'amqplib';

export interface RabbitTotals {
  /** Messages RabbitMQ took from AMQP 0-9-1 publishers (rabbitmq_global_messages_received_total). */
  received: number;
  /** Messages it routed to at least one queue. */
  routed: number;
}

const EVAL = 'maps:get([{protocol,amqp091}], rabbit_global_counters:overview()).';

/** The global counters, or undefined when rabbitmqctl is missing, not permitted, or too old (< 3.9). */
export function rabbitTotals(): Promise<RabbitTotals | undefined> {
  return new Promise((resolve) => {
    execFile('rabbitmqctl', ['eval', EVAL], { timeout: 30_000 }, (err, stdout) => {
      const field = (name: string): number | undefined => {
        const m = new RegExp(`${name} => (\\d+)`).exec(stdout);
        return m ? Number(m[1]) : undefined;
      };
      const received = field('messages_received_total');
      const routed = field('messages_routed_total');
      resolve(err || received === undefined || routed === undefined ? undefined : { received, routed });
    });
  });
}

/** Polls between reads of a queue's count; the count has settled when two reads agree. */
const SETTLE_POLL_MS = 500;
const SETTLE_READS = 60;

/**
 * The ready messages in `queue` (queue.declare passive: declare-ok's message-count) once
 * RabbitMQ has finished enqueueing what its channels still held, then deletes the queue.
 * Undefined when it cannot be read or does not settle within 30 s.
 */
export async function settledQueueCount(url: string, queue: string): Promise<number | undefined> {
  const conn = await amqplib.connect(url);
  try {
    const ch = await conn.createChannel();
    let last: number | undefined;
    let settled: number | undefined;
    for (let i = 0; i < SETTLE_READS && settled === undefined; i++) {
      const { messageCount, consumerCount } = await ch.checkQueue(queue);
      if (messageCount === last && consumerCount === 0) settled = messageCount;
      last = messageCount;
      if (settled === undefined) await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
    }
    await ch.deleteQueue(queue);
    return settled;
  } catch {
    return undefined;
  } finally {
    await conn.close().catch(() => undefined);
  }
}
