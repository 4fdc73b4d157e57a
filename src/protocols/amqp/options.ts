// The `amqp({...})` builder and the validation of its options. One builder serves both roles
// of AMQP 0-9-1: publishers (fleets and commands: exchange, routing key from the topic template,
// confirms or transactions) and consumers (observers: a queue, its bindings, prefetch, acks).
import { type Checker, fieldsOf } from '../../base/check.ts';
import type { ProtocolSpec } from '../../base/spec.ts';
import type { Duration } from '../../base/units.ts';
import { type ResolvedTls, resolveTls, type TlsOptions } from '../tls.ts';

export type ExchangeType = 'topic' | 'direct' | 'fanout' | 'headers';
export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';
type HeaderValue = string | number | boolean;

export interface AmqpQueueOptions {
  /** Queue name template ({fleet} {id} {run}). Default: a server-named, exclusive queue per device. */
  name?: string;
  /** Survives a broker restart (default false). */
  durable?: boolean;
  /** Only this connection may use it; deleted when it closes (default: true for unnamed queues). */
  exclusive?: boolean;
  /** Deleted when its last consumer goes (default true). */
  autoDelete?: boolean;
  /** x-message-ttl: messages older than this expire (and are dead-lettered, reason `expired`). */
  ttl?: Duration;
  /** x-expires: the queue is deleted after this long unused. */
  expires?: Duration;
  /** x-max-length: at most this many ready messages; see `overflow` (dead-letter reason `maxlen`). */
  maxLength?: number;
  /** x-max-length-bytes. */
  maxLengthBytes?: number;
  /** x-overflow: what a full queue does (default 'drop-head': the oldest is dropped or dead-lettered). */
  overflow?: Overflow;
  /** x-dead-letter-exchange ({run} allowed): where rejected, expired and dropped messages go. */
  deadLetterExchange?: string;
  /** x-dead-letter-routing-key; default: the message's own routing key. */
  deadLetterRoutingKey?: string;
  /** x-max-priority: enables per-message priorities 0..maxPriority. */
  maxPriority?: number;
  /** x-queue-type (default classic). Quorum queues must be durable and not exclusive. */
  type?: 'classic' | 'quorum';
}

export interface AmqpOptions {
  /** Which entry of the scenario's `targets` to use (default 'amqp'). */
  target?: string;
  /** Exchange to publish to or bind to ({run} allowed). Default 'amq.topic'; '' is the default exchange. */
  exchange?: string;
  /** Declare the exchange with this type (durable). Without it the exchange must exist. */
  exchangeType?: ExchangeType;
  /** Publishers: delivery-mode 2 (persistent) messages. */
  persistent?: boolean;
  /** Publishers: publisher confirms (confirm.select), timed as publish → ack (default true, unless tx). */
  confirm?: boolean;
  /** Publishers: mandatory flag; unroutable messages come back (basic.return) and are counted. */
  mandatory?: boolean;
  /** Publishers: message priority (0-255; needs a queue with maxPriority). */
  priority?: number;
  /** Publishers: per-message TTL (the expiration property). */
  ttl?: Duration;
  /** Publishers: message headers (what a headers exchange routes on). */
  headers?: Record<string, HeaderValue>;
  /** Publishers: transactions (tx.select); commit every `batch` messages, or after `maxDelay`; roll back every n-th (`rollback: { every }`). */
  tx?: number | { batch: number; maxDelay?: Duration; rollback?: { every: number } };
  /** Publishers: most unconfirmed (or uncommitted) messages per device; beyond, sends are dropped (default 100). */
  inflight?: number;
  /** Consumers: the queue to declare and consume from. */
  queue?: string | AmqpQueueOptions;
  /** Consumers: binding keys (default: derived from the fleets received, MQTT topics as '.'-separated keys). */
  bind?: string | string[];
  /** Consumers: binding arguments, e.g. { 'x-match': 'all', type: 'gps' } for a headers exchange. */
  bindArguments?: Record<string, HeaderValue>;
  /** Consumers: basic.qos prefetch count: most unacknowledged deliveries per consumer (default 100; 0 = unlimited). */
  prefetch?: number;
  /** Consumers: 'manual' acks after processing (default) or 'auto' (no-ack: acknowledged on delivery). */
  ack?: 'manual' | 'auto';
  /** Consumers: reject (basic.nack) every n-th first delivery; with requeue: false it is dead-lettered. */
  reject?: { every: number; requeue?: boolean };
  /** Consumers: simulated handling time per message before its ack (holds a prefetch slot). */
  processing?: Duration;
  /** Consumers: this queue collects dead letters; only what was rejected, expired or dropped is expected. */
  deadLetters?: boolean;
  /** AMQP heartbeat, whole seconds (default '60s'; 0 disables; a bare number is milliseconds, so 30 is refused). */
  heartbeat?: Duration;
  /** amqps://: a private CA, a client certificate and key (mutual TLS), the server name (../tls.ts). */
  tls?: TlsOptions;
}

export interface ResolvedQueue {
  name: string | undefined;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: Record<string, string | number>;
}

export interface ResolvedAmqpOptions {
  target: string;
  exchange: string;
  exchangeType: ExchangeType | undefined;
  persistent: boolean;
  confirm: boolean;
  mandatory: boolean;
  priority: number | undefined;
  ttlMs: number | undefined;
  headers: Record<string, HeaderValue> | undefined;
  tx: { batch: number; maxDelayMs: number; rollbackEvery?: number } | undefined;
  inflight: number;
  queue: ResolvedQueue;
  bind: string[] | undefined;
  bindArguments: Record<string, HeaderValue> | undefined;
  prefetch: number;
  ack: 'manual' | 'auto';
  reject: { every: number; requeue: boolean } | undefined;
  processingMs: number;
  deadLetters: boolean;
  heartbeatSec: number;
  tls: ResolvedTls;
}

export const AMQP_DEFAULTS = {
  target: 'amqp',
  exchange: 'amq.topic',
  inflight: 100,
  prefetch: 100,
  heartbeatSec: 60,
  txMaxDelayMs: 1000,
} as const;

const FIELDS = fieldsOf<AmqpOptions>()([
  'target',
  'exchange',
  'exchangeType',
  'persistent',
  'confirm',
  'mandatory',
  'priority',
  'ttl',
  'headers',
  'tx',
  'inflight',
  'queue',
  'bind',
  'bindArguments',
  'prefetch',
  'ack',
  'reject',
  'processing',
  'deadLetters',
  'heartbeat',
  'tls',
]);
const QUEUE_FIELDS = [
  'name',
  'durable',
  'exclusive',
  'autoDelete',
  'ttl',
  'expires',
  'maxLength',
  'maxLengthBytes',
  'overflow',
  'deadLetterExchange',
  'deadLetterRoutingKey',
  'maxPriority',
  'type',
] as const;
/** AMQP 0-9-1 wire format: short strings (exchange, queue names, routing keys) are at most 255 bytes. */
const SHORTSTR = 255;

export function amqp(options: AmqpOptions = {}): ProtocolSpec<'amqp', AmqpOptions> {
  return { protocol: 'amqp', options };
}

export function resolveAmqpOptions(raw: unknown, path: string, check: Checker): ResolvedAmqpOptions | undefined {
  const o = raw === undefined ? {} : check.object(path, raw);
  if (!o) return undefined;
  check.known(path, o, FIELDS);
  const at = (field: string): string => `${path}.${field}`;
  const shortstr = (field: string, value: unknown, fallback?: string): string | undefined => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string') return check.fail(at(field), 'a string', value);
    if (Buffer.byteLength(value) > SHORTSTR)
      return check.fail(at(field), `at most ${SHORTSTR} bytes (AMQP short string)`, value);
    return value;
  };
  const exchange = shortstr('exchange', o.exchange, AMQP_DEFAULTS.exchange);
  const exchangeType =
    o.exchangeType === undefined
      ? undefined
      : check.oneOf<ExchangeType>(at('exchangeType'), o.exchangeType, ['topic', 'direct', 'fanout', 'headers']);
  // exchange.declare (rule "reserved names"): names starting with "amq." are reserved for the pre-declared exchanges.
  if (exchangeType !== undefined && exchange !== undefined && (exchange === '' || exchange.startsWith('amq.')))
    check.note(
      at('exchangeType'),
      `${JSON.stringify(exchange)} is pre-declared by the broker; exchangeType declares a new exchange (give it another name)`,
    );

  let tx: ResolvedAmqpOptions['tx'];
  if (o.tx !== undefined) {
    const t = typeof o.tx === 'number' ? { batch: o.tx } : check.object(at('tx'), o.tx);
    if (t) {
      if (typeof o.tx === 'object') check.known(at('tx'), t, ['batch', 'maxDelay', 'rollback']);
      const batch = check.integer(typeof o.tx === 'number' ? at('tx') : at('tx.batch'), t.batch, 1, 100_000);
      const maxDelayMs = check.duration(at('tx.maxDelay'), t.maxDelay, {
        fallback: AMQP_DEFAULTS.txMaxDelayMs,
        positive: true,
      });
      // tx.rollback (§1.9.2.5) of every n-th transaction: its messages are discarded on purpose.
      const r = t.rollback === undefined ? undefined : check.object(at('tx.rollback'), t.rollback);
      if (r) check.known(at('tx.rollback'), r, ['every']);
      const rollbackEvery = r ? check.integer(at('tx.rollback.every'), r.every, 1, Number.MAX_SAFE_INTEGER) : undefined;
      if (batch !== undefined && maxDelayMs !== undefined)
        tx = { batch, maxDelayMs, ...(rollbackEvery === undefined ? {} : { rollbackEvery }) };
    }
  }
  // A channel is either transactional or in confirm mode, never both (RabbitMQ answers 406).
  if (o.tx !== undefined && o.confirm === true)
    check.note(at('confirm'), 'a channel cannot use both publisher confirms and transactions; drop confirm or tx');
  const confirm = o.tx !== undefined ? false : check.boolean(at('confirm'), o.confirm, true);

  let headers: Record<string, HeaderValue> | undefined;
  if (o.headers !== undefined) headers = headerTable(check, at('headers'), o.headers);
  let bindArguments: Record<string, HeaderValue> | undefined;
  if (o.bindArguments !== undefined) {
    bindArguments = headerTable(check, at('bindArguments'), o.bindArguments);
    const match = bindArguments?.['x-match'];
    if (match !== undefined && !['all', 'any', 'all-with-x', 'any-with-x'].includes(String(match)))
      check.fail(at("bindArguments['x-match']"), "'all' or 'any'", match);
  }
  let bind: string[] | undefined;
  if (o.bind !== undefined) {
    const list = typeof o.bind === 'string' ? [o.bind] : o.bind;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((k) => typeof k === 'string' && Buffer.byteLength(k) <= SHORTSTR)
    )
      check.fail(at('bind'), "a binding key or a list of them, e.g. 'fleet.*.gps'", o.bind);
    else bind = list as string[];
  }

  let reject: ResolvedAmqpOptions['reject'];
  if (o.reject !== undefined) {
    const r = check.object(at('reject'), o.reject);
    if (r) {
      check.known(at('reject'), r, ['every', 'requeue']);
      const every = check.integer(at('reject.every'), r.every, 1, Number.MAX_SAFE_INTEGER);
      if (every !== undefined) reject = { every, requeue: check.boolean(at('reject.requeue'), r.requeue, false) };
    }
  }
  const ack = check.oneOf<'manual' | 'auto'>(at('ack'), o.ack, ['manual', 'auto'], 'manual');
  if (ack === 'auto' && (o.reject !== undefined || o.processing !== undefined))
    check.note(at('ack'), "reject and processing need manual acks (ack: 'manual')");
  const ttlMs = check.duration(at('ttl'), o.ttl, { fallback: -1 });
  // AMQP 0-9-1 §4.2.7: the heartbeat is negotiated in whole seconds, 0 turning it off; a bare
  // number is milliseconds, so `heartbeat: 30` is refused rather than rounded to 0 (check.seconds).
  const heartbeatSec = check.seconds(at('heartbeat'), o.heartbeat, {
    fallback: AMQP_DEFAULTS.heartbeatSec,
    zero: 'turns heartbeats off; write it as 0 only to mean that',
    max: 65535,
  });
  const resolved = {
    target: check.string(at('target'), o.target, true) ?? AMQP_DEFAULTS.target,
    exchange,
    exchangeType,
    persistent: check.boolean(at('persistent'), o.persistent, false),
    confirm,
    mandatory: check.boolean(at('mandatory'), o.mandatory, false),
    priority: o.priority === undefined ? undefined : check.integer(at('priority'), o.priority, 0, 255),
    ttlMs: ttlMs === undefined || ttlMs < 0 ? undefined : ttlMs,
    headers,
    tx,
    inflight: check.integer(at('inflight'), o.inflight, 1, 1_000_000, AMQP_DEFAULTS.inflight),
    queue: resolveQueue(check, at('queue'), o.queue),
    bind,
    bindArguments,
    prefetch: check.integer(at('prefetch'), o.prefetch, 0, 65535, AMQP_DEFAULTS.prefetch),
    ack,
    reject,
    processingMs: check.duration(at('processing'), o.processing, { fallback: 0 }),
    deadLetters: check.boolean(at('deadLetters'), o.deadLetters, false),
    heartbeatSec: heartbeatSec ?? AMQP_DEFAULTS.heartbeatSec,
    tls: resolveTls(check, at('tls'), o.tls),
  };
  if (
    resolved.exchange === undefined ||
    resolved.inflight === undefined ||
    resolved.queue === undefined ||
    resolved.prefetch === undefined ||
    resolved.ack === undefined ||
    resolved.processingMs === undefined
  )
    return undefined;
  return resolved as ResolvedAmqpOptions;
}

function resolveQueue(check: Checker, path: string, raw: unknown): ResolvedQueue | undefined {
  const given = typeof raw === 'string' ? { name: raw } : raw === undefined ? {} : check.object(path, raw);
  if (!given) return undefined;
  if (typeof raw === 'object') check.known(path, given, QUEUE_FIELDS);
  const at = (field: string): string => (typeof raw === 'string' ? path : `${path}.${field}`);
  const name = given.name === undefined ? undefined : check.string(at('name'), given.name);
  if (name !== undefined && (name.length === 0 || Buffer.byteLength(name) > SHORTSTR))
    check.fail(at('name'), `a queue name of 1 to ${SHORTSTR} bytes`, name);
  // queue.declare (rule "reserved names"): "amq." queue names are reserved for the server.
  if (name?.startsWith('amq.')) check.note(at('name'), 'names starting with "amq." are reserved for the broker');
  const type = check.oneOf<'classic' | 'quorum'>(at('type'), given.type, ['classic', 'quorum'], 'classic');
  const durable = check.boolean(at('durable'), given.durable, type === 'quorum');
  const exclusive = check.boolean(at('exclusive'), given.exclusive, name === undefined);
  const autoDelete = check.boolean(at('autoDelete'), given.autoDelete, type !== 'quorum');
  if (type === 'quorum' && (!durable || exclusive || autoDelete || name === undefined))
    check.note(path, 'a quorum queue must be named, durable, not exclusive and not autoDelete');
  const args: Record<string, string | number> = {};
  const ms = (field: string, key: string): void => {
    const v = check.duration(at(field), given[field], { fallback: -1 });
    if (v !== undefined && v >= 0) args[key] = v;
  };
  ms('ttl', 'x-message-ttl');
  ms('expires', 'x-expires');
  if (args['x-expires'] === 0) check.fail(at('expires'), 'a positive duration', given.expires);
  const int = (field: string, key: string, max: number): void => {
    if (given[field] === undefined) return;
    const v = check.integer(at(field), given[field], 0, max);
    if (v !== undefined) args[key] = v;
  };
  int('maxLength', 'x-max-length', 2 ** 31 - 1);
  int('maxLengthBytes', 'x-max-length-bytes', Number.MAX_SAFE_INTEGER);
  int('maxPriority', 'x-max-priority', 255);
  if (given.overflow !== undefined) {
    const overflow = check.oneOf<Overflow>(at('overflow'), given.overflow, [
      'drop-head',
      'reject-publish',
      'reject-publish-dlx',
    ]);
    if (overflow) args['x-overflow'] = overflow;
  }
  for (const [field, key] of [
    ['deadLetterExchange', 'x-dead-letter-exchange'],
    ['deadLetterRoutingKey', 'x-dead-letter-routing-key'],
  ] as const) {
    const v = given[field] === undefined ? undefined : check.string(at(field), given[field]);
    if (v !== undefined) args[key] = v;
  }
  if (type === 'quorum') args['x-queue-type'] = 'quorum';
  return { name, durable, exclusive, autoDelete, arguments: args };
}

function headerTable(check: Checker, path: string, raw: unknown): Record<string, HeaderValue> | undefined {
  const t = check.object(path, raw);
  if (!t) return undefined;
  for (const [k, v] of Object.entries(t))
    if (!['string', 'number', 'boolean'].includes(typeof v))
      check.fail(`${path}.${k}`, 'a string, number or boolean', v);
  return t as Record<string, HeaderValue>;
}
