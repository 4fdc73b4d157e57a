// The AMQP 0-9-1 driver (amqplib) for RabbitMQ and other 0-9-1 brokers: amqp:// and amqps://
// targets; publishers with confirms or transactions, consumers with queues, bindings,
// prefetch, manual acks, rejects and dead-letter accounting.

import type { DeliveryPromise, Driver } from '../driver.ts';
import { filterFromTemplate, mqttFilterToBindingKey, routingKeyToTopic } from '../topics.ts';
import { AMQP_CODES } from './codes.ts';
import { AmqpDevice } from './device.ts';
import { type ResolvedAmqpOptions, resolveAmqpOptions } from './options.ts';
import { AMQP_COUNTERS, type AmqpStats, amqpStats, amqpTable } from './stats.ts';

/** What the publishing hop promises: confirmed or committed messages are the broker's (at least once). */
function publishHop(o: ResolvedAmqpOptions): { label: string; safe: boolean } {
  if (o.tx?.rollbackEvery !== undefined)
    return { label: `tx batches of ${o.tx.batch}, 1 in ${o.tx.rollbackEvery} rolled back`, safe: false };
  if (o.tx) return { label: `tx batches of ${o.tx.batch}`, safe: true };
  if (o.confirm) return { label: 'publisher confirms', safe: true };
  return { label: 'unconfirmed publish', safe: false };
}

/** What the consuming hop promises. Queue limits, TTLs and rejects discard or divert messages by design. */
function consumeHop(o: ResolvedAmqpOptions): { label: string; safe: boolean } {
  const args = o.queue.arguments;
  const limits = ['x-message-ttl', 'x-max-length', 'x-max-length-bytes'].filter((k) => args[k] !== undefined);
  if (o.ack === 'auto') return { label: 'auto-ack', safe: false };
  if (limits.length > 0) return { label: `manual ack, queue ${limits.join('/')}`, safe: false };
  if (o.reject && !o.reject.requeue) return { label: 'manual ack, rejects dead-lettered', safe: false };
  if (o.ttlMs !== undefined) return { label: 'manual ack, per-message TTL', safe: false };
  return { label: 'manual ack', safe: true };
}

export const amqpDriver = {
  name: 'amqp',
  title: 'AMQP 0-9-1',
  schemes: ['amqp', 'amqps'],
  secureSchemes: ['amqps'],
  // The IANA-registered AMQP port.
  defaultPort: 5672,
  transport: 'tcp',
  ackLabel: 'publish → confirm',
  codes: AMQP_CODES,
  latencies: { commit: 'transaction commit' },
  counters: AMQP_COUNTERS,
  resolveOptions: resolveAmqpOptions,
  createDevice: (init, events) => new AmqpDevice(init, events),
  promise(from, to): DeliveryPromise {
    if (to.deadLetters)
      return {
        label: 'dead-letter queue (only what was rejected, expired or dropped)',
        short: 'dead-letter queue',
        noLoss: false,
        noDuplicates: false,
      };
    const pub = publishHop(from);
    const con = consumeHop(to);
    const kept = pub.safe && con.safe && from.ttlMs === undefined;
    // Confirms and manual acks give at least once: a redelivery after a lost ack is a duplicate.
    return {
      label: `${pub.label} + ${con.label}${kept ? ' (at least once)' : ' (best effort)'}`,
      short: `${pub.label} + ${con.label}`,
      noLoss: kept,
      noDuplicates: false,
    };
  },
  // Topic-exchange binding keys: '.'-separated words, '*' one word, '#' zero or more; each a whole word.
  filterProblem: (key) =>
    key.split('.').some((w) => (w.includes('*') || w.includes('#')) && w !== '*' && w !== '#')
      ? `${JSON.stringify(key)} is not a valid binding key: '*' and '#' must fill a whole '.'-separated word`
      : undefined,
  canonicalTopic: routingKeyToTopic,
  receiverMode: (o) => (o.queue.name !== undefined && !o.queue.name.includes('{id}') ? 'group' : 'each'),
  subscriptionsFor(source, receiver) {
    if (receiver.bind) return receiver.bind;
    // Fanout and headers exchanges ignore the routing key.
    if (receiver.exchangeType === 'fanout' || receiver.exchangeType === 'headers') return [''];
    // The default exchange delivers by queue name: nothing to bind.
    if (receiver.exchange === '') return [];
    // A topic (or direct) binding: the sender's topic as an MQTT filter, in routing-key form.
    const filter = mqttFilterToBindingKey(filterFromTemplate(source.canonical, source.name));
    if (receiver.exchangeType === 'direct' && /(^|\.)[*#](\.|$)/.test(filter)) return undefined;
    return [filter];
  },
  block: amqpStats,
  table: amqpTable,
  // A named queue that is neither exclusive nor auto-delete outlives its consumer's connection
  // (AMQP 0-9-1 §1.7.2.1): what is routed to it meanwhile waits there, and an observer may go
  // `offline` and find it on its return (give the queue `expires` so that it goes in the end).
  keepsSession: (o) => o.queue.name !== undefined && !o.queue.exclusive && !o.queue.autoDelete,
  sessionHint:
    "a named queue with autoDelete: false, e.g. queue: { name: 'work-{run}-{id}', autoDelete: false, expires: '1m' }",
  // Credentials and vhost are in the URL, which preflight already tells apart.
  connectionKey: () => null,
  // Confirms (basic.ack, RabbitMQ's extension) and tx.commit-ok acknowledge; a plain basic.publish is never answered.
  acknowledges: (o) => o.confirm || o.tx !== undefined,
  // AMQP 0-9-1 §4.2.7: a heartbeat frame is 8 B (type 8, channel 0, size 0, frame-end); each peer sends one per interval of silence.
  keepalive: (o) => (o.heartbeatSec > 0 ? { intervalS: o.heartbeatSec, txBytes: 8, rxBytes: 8 } : undefined),
} satisfies Driver<ResolvedAmqpOptions, AmqpStats>;

export { type AmqpOptions, amqp, type ResolvedAmqpOptions } from './options.ts';
