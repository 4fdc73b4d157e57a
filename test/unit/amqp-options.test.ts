// amqp({...}) validation: defaults, queue arguments as RabbitMQ reads them, and one clear
// message per mistake naming the field.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { amqpDriver } from '../../src/protocols/amqp/index.ts';
import { type ResolvedAmqpOptions, resolveAmqpOptions } from '../../src/protocols/amqp/options.ts';
import { driverFor } from '../../src/protocols/registry.ts';

function resolve(raw: unknown): { options: ResolvedAmqpOptions | undefined; problems: string[] } {
  const check = new Checker();
  const options = resolveAmqpOptions(raw, 'observers.b.protocol', check);
  return { options, problems: check.problems };
}

describe('amqp() options', () => {
  it('defaults: amq.topic, confirms, manual acks, prefetch 100, a server-named exclusive queue', () => {
    const { options, problems } = resolve({});
    expect(problems).toEqual([]);
    expect(options).toMatchObject({
      target: 'amqp',
      exchange: 'amq.topic',
      confirm: true,
      ack: 'manual',
      prefetch: 100,
      inflight: 100,
      heartbeatSec: 60,
    });
    expect(options?.queue).toEqual({
      name: undefined,
      durable: false,
      exclusive: true,
      autoDelete: true,
      arguments: {},
    });
  });

  it('maps queue options to the x-arguments RabbitMQ reads', () => {
    const { options, problems } = resolve({
      queue: {
        name: 'work-{run}',
        durable: true,
        ttl: '30s',
        expires: '10m',
        maxLength: 1000,
        overflow: 'reject-publish',
        deadLetterExchange: 'dlx',
        deadLetterRoutingKey: 'dead',
        maxPriority: 9,
      },
    });
    expect(problems).toEqual([]);
    expect(options?.queue).toEqual({
      name: 'work-{run}',
      durable: true,
      exclusive: false,
      autoDelete: true,
      arguments: {
        'x-message-ttl': 30_000,
        'x-expires': 600_000,
        'x-max-length': 1000,
        'x-overflow': 'reject-publish',
        'x-dead-letter-exchange': 'dlx',
        'x-dead-letter-routing-key': 'dead',
        'x-max-priority': 9,
      },
    });
  });

  it('a tx batch turns confirms off; tx as an object takes maxDelay', () => {
    expect(resolve({ tx: 20 }).options).toMatchObject({ confirm: false, tx: { batch: 20, maxDelayMs: 1000 } });
    expect(resolve({ tx: { batch: 5, maxDelay: '50ms' } }).options?.tx).toEqual({ batch: 5, maxDelayMs: 50 });
  });

  it.each([
    [
      { exchangeType: 'ring' },
      'observers.b.protocol.exchangeType: expected one of "topic", "direct", "fanout", "headers"',
    ],
    [
      { exchange: 'amq.topic', exchangeType: 'topic' },
      'observers.b.protocol.exchangeType: "amq.topic" is pre-declared by the broker',
    ],
    [
      { tx: 10, confirm: true },
      'observers.b.protocol.confirm: a channel cannot use both publisher confirms and transactions',
    ],
    [{ prefetch: 70000 }, 'observers.b.protocol.prefetch'],
    [{ priority: 256 }, 'observers.b.protocol.priority'],
    [{ queue: { name: 'amq.mine' } }, 'observers.b.protocol.queue.name: names starting with "amq." are reserved'],
    [
      { queue: { type: 'quorum', name: 'q', durable: false } },
      'observers.b.protocol.queue: a quorum queue must be named, durable',
    ],
    [{ queue: { overflow: 'spill' } }, 'observers.b.protocol.queue.overflow'],
    [{ bind: [] }, 'observers.b.protocol.bind: expected a binding key or a list of them'],
    [{ bindArguments: { 'x-match': 'some' } }, "observers.b.protocol.bindArguments['x-match']"],
    [{ ack: 'auto', reject: { every: 3 } }, 'observers.b.protocol.ack: reject and processing need manual acks'],
    [{ reject: { every: 0 } }, 'observers.b.protocol.reject.every'],
    [{ exchange: 'x'.repeat(256) }, 'observers.b.protocol.exchange: expected at most 255 bytes'],
    [{ colour: 'red' }, 'observers.b.protocol.colour'],
  ])('rejects %j', (raw, message) => {
    const { problems } = resolve(raw);
    expect(problems.join('\n')).toContain(message);
  });
});

describe('amqp driver hooks', () => {
  const opts = (raw: unknown) => resolve(raw).options as ResolvedAmqpOptions;
  const source = (protocol: string, topic: string) => ({
    name: 'gps',
    count: 3,
    protocol,
    options: {},
    topic,
    canonical: driverFor(protocol)?.canonicalTopic?.(topic) ?? topic,
  });

  it('derives topic binding keys from senders on any protocol', () => {
    expect(amqpDriver.subscriptionsFor?.(source('mqtt', 'fleet/{id}/gps'), opts({}))).toEqual(['fleet.*.gps']);
    expect(amqpDriver.subscriptionsFor?.(source('coap', '/telemetry/{id}'), opts({}))).toEqual(['telemetry.*']);
    expect(amqpDriver.subscriptionsFor?.(source('amqp', 'site.{id}.temp'), opts({}))).toEqual(['site.*.temp']);
    expect(amqpDriver.subscriptionsFor?.(source('mqtt', 'a/{id}'), opts({ bind: ['x.#'] }))).toEqual(['x.#']);
    expect(
      amqpDriver.subscriptionsFor?.(source('mqtt', 'a/{id}'), opts({ exchange: 'f', exchangeType: 'fanout' })),
    ).toEqual(['']);
    // A direct exchange cannot bind a wildcard: the observer must say what to bind.
    expect(
      amqpDriver.subscriptionsFor?.(source('mqtt', 'a/{id}'), opts({ exchange: 'd', exchangeType: 'direct' })),
    ).toBeUndefined();
  });

  it('named queues without {id} are competing consumers', () => {
    expect(amqpDriver.receiverMode?.(opts({ queue: 'jobs' }))).toBe('group');
    expect(amqpDriver.receiverMode?.(opts({ queue: 'jobs-{id}' }))).toBe('each');
    expect(amqpDriver.receiverMode?.(opts({}))).toBe('each');
  });

  it('promises at least once only for confirmed (or committed) publishes into manually acked queues without limits', () => {
    const p = (from: unknown, to: unknown) => amqpDriver.promise(opts(from), opts(to));
    expect(p({}, {})).toMatchObject({ noLoss: true, noDuplicates: false });
    expect(p({ tx: 5 }, {})).toMatchObject({ noLoss: true });
    expect(p({ confirm: false }, {}).noLoss).toBe(false);
    expect(p({}, { ack: 'auto' }).noLoss).toBe(false);
    expect(p({}, { queue: { maxLength: 5 } }).noLoss).toBe(false);
    expect(p({}, { deadLetters: true }).label).toContain('dead-letter queue');
  });
});
