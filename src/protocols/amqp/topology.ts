// What a consumer declares on its channel (queue, bindings, qos, consume), done again on every
// new channel: after connect() again, an exclusive or auto-delete queue died with the old
// connection and a consumer with its channel (AMQP 0-9-1 §1.7.2.1, §1.8.3.3).
import type { Channel, ConsumeMessage } from 'amqplib';
import type { ResolvedAmqpOptions } from './options.ts';

export interface ConsumeHooks {
  /** Renders a template ({fleet} {id} {run}) for this device. */
  render(template: string): string;
  deliver(m: ConsumeMessage | null): void;
}

/** The queue a consumer reads and its consumer tag, for basic.cancel and the depth at close. */
export interface Consuming {
  queue: string;
  tag: string;
}

/** queue.declare, queue.bind for each filter, basic.qos and basic.consume. */
export async function declareAndConsume(
  channel: Channel,
  o: ResolvedAmqpOptions,
  exchange: string,
  filters: readonly string[],
  hooks: ConsumeHooks,
): Promise<Consuming> {
  const q = o.queue;
  const args: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(q.arguments)) args[k] = typeof v === 'string' ? hooks.render(v) : v;
  // queue.declare (class queue, 50/10): an empty name asks the server to name the queue.
  const declared = await channel.assertQueue(q.name === undefined ? '' : hooks.render(q.name), {
    durable: q.durable,
    exclusive: q.exclusive,
    autoDelete: q.autoDelete,
    arguments: args,
  });
  // The default exchange routes by queue name by itself (AMQP 0-9-1, "default exchange") and refuses bindings.
  if (exchange !== '') {
    const keys = filters.length > 0 ? filters : [''];
    for (const key of keys) await channel.bindQueue(declared.queue, exchange, key, o.bindArguments);
  }
  // basic.qos (60/10): prefetch-count bounds the unacknowledged deliveries to this consumer
  // (RabbitMQ applies a non-global prefetch per consumer).
  if (o.prefetch > 0) await channel.prefetch(o.prefetch);
  const { consumerTag } = await channel.consume(declared.queue, (m) => hooks.deliver(m), { noAck: o.ack === 'auto' });
  return { queue: declared.queue, tag: consumerTag };
}

/** Where a queue lives, for counting a queue shared by several consumers once: host, virtual host and name. */
export function queueStore(url: string, queue: string): string {
  try {
    const u = new URL(url);
    // The virtual host is the URL's path, '/' when empty (the AMQP URI spec).
    const vhost = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : '/';
    return `${u.host} ${vhost} ${queue}`;
  } catch {
    return queue;
  }
}

export function sameFilters(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((f, i) => f === b[i]);
}

/** amqplib reads the heartbeat from the URL's query; it is negotiated in connection.tune. */
export function withHeartbeat(url: string, seconds: number): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(seconds));
    return u.toString();
  } catch {
    return url;
  }
}
