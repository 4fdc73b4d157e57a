// The gateway's configuration: the typed object `startGateway()` takes (and the JSON file the
// CLI reads), its defaults, and its validation. Every problem names the field and what was
// expected; all problems are reported at once.

import { Checker } from '../base/check.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { parseShared } from '../protocols/topics.ts';
import { filterProblem, topicProblem } from '../protocols/ws/filters.ts';

export interface GatewayConfig {
  /** Capacity (messages) of every outbound queue unless a section sets its own `queue` (default 1000). */
  queue?: number;
  /** How long a graceful stop waits for queues and in-flight messages to flush (default 5000 ms). */
  drainMs?: number;
  /** The MQTT broker: CoAP ingest publishes to it; dashboards and the webhook subscribe on it. */
  mqtt?: {
    url: string;
    /** Client id prefix; each connection appends -coap, -ws or -webhook ({pid} allowed; default 'fleetbench-gateway-{pid}'). */
    clientId?: string;
    username?: string;
    password?: string;
    /** 4 = MQTT 3.1.1, 5 = MQTT 5.0 (default 4). */
    version?: 4 | 5;
    /** QoS of publishes from CoAP ingest (default 1). */
    qos?: 0 | 1 | 2;
    /** Unacknowledged QoS 1/2 publishes at once (default 100). */
    inflight?: number;
    keepalive?: number;
    connectTimeoutMs?: number;
    /** Capacity of the CoAP → MQTT queue. */
    queue?: number;
  };
  /** The AMQP 0-9-1 broker CoAP ingest publishes to (one connection, one confirm channel). */
  amqp?: {
    url: string;
    /** Exchange to publish to (default 'amq.topic'); it must exist. */
    exchange?: string;
    /** delivery-mode 2 (default false). */
    persistent?: boolean;
    /** Publish with mandatory: unroutable messages come back (basic.return) and are counted (default true). */
    mandatory?: boolean;
    /** Unconfirmed publishes at once (default 256). */
    window?: number;
    connectTimeoutMs?: number;
    /** Capacity of the CoAP → AMQP queue. */
    queue?: number;
  };
  /** CoAP ingest: POST/PUT bodies are published to MQTT and/or AMQP. */
  coap?: {
    /** UDP port (default 5683, RFC 7252 §6.1; 0 = a free port). */
    port?: number;
    host?: string;
    /** MQTT topic template; {path} is the request path without its leading '/' (default '{path}'). The AMQP routing key is the topic with '/' → '.'. */
    topic?: string;
    /** Where bodies go (default: every configured broker). */
    to?: 'mqtt' | 'amqp' | ('mqtt' | 'amqp')[];
    /** Max-Age (seconds) of a 5.03 answered when a queue is full (RFC 7252 §5.9.3.4; default 1). */
    retryAfterSec?: number;
  };
  /** WebSocket dashboards served the JSON bridge protocol, fed from MQTT subscriptions. */
  dashboards?: {
    /** TCP port (default 8080; 0 = a free port). */
    port?: number;
    host?: string;
    /** MQTT filters the gateway subscribes to; dashboards subscribe to what they want within them. */
    subscribe: string | string[];
    /** QoS of those subscriptions (default 1). */
    qos?: 0 | 1 | 2;
    /** Bytes waiting for one dashboard beyond which messages to it overflow (default 4 MiB). */
    maxBufferedBytes?: number;
  };
  /** MQTT alerts POSTed to an HTTP webhook. */
  webhook?: {
    url: string;
    /** MQTT filters to forward (default 'alerts/#'). */
    subscribe?: string | string[];
    qos?: 0 | 1 | 2;
    /** Requests at once, over keep-alive connections (default 8). */
    concurrency?: number;
    /** Retries after a failed delivery (non-2xx, network error, timeout) before it counts as failed (default 3). */
    retries?: number;
    /** Delay before the first retry, doubled for each further one (default 200 ms). */
    retryDelayMs?: number;
    /** Per request (default 5000 ms). */
    timeoutMs?: number;
    /** Header carrying the MQTT topic (default 'x-mqtt-topic'). */
    topicHeader?: string;
    queue?: number;
  };
  /** Admin HTTP server: GET /stats (JSON). Off unless set. */
  admin?: { port?: number; host?: string };
}

export const GATEWAY_DEFAULTS = {
  queue: 1000,
  drainMs: 5000,
  host: '127.0.0.1',
  /** {pid} keeps two gateways on one broker from taking each other's sessions over ([MQTT-3.1.4-2]). */
  mqtt: {
    clientId: 'fleetbench-gateway-{pid}',
    version: 4,
    qos: 1,
    inflight: 100,
    keepalive: 30,
    connectTimeoutMs: 5000,
  },
  amqp: { exchange: 'amq.topic', persistent: false, mandatory: true, window: 256, connectTimeoutMs: 5000 },
  /** RFC 7252 §6.1: the default CoAP port. */
  coap: { port: 5683, topic: '{path}', retryAfterSec: 1 },
  dashboards: { port: 8080, qos: 1, maxBufferedBytes: 4 << 20 },
  webhook: {
    subscribe: ['alerts/#'],
    qos: 1,
    concurrency: 8,
    retries: 3,
    retryDelayMs: 200,
    timeoutMs: 5000,
    topicHeader: 'x-mqtt-topic',
  },
} as const;

type Qos = 0 | 1 | 2;

export interface ResolvedGatewayConfig {
  drainMs: number;
  mqtt:
    | {
        url: string;
        clientId: string;
        username: string | undefined;
        password: string | undefined;
        version: 4 | 5;
        qos: Qos;
        inflight: number;
        keepalive: number;
        connectTimeoutMs: number;
        queue: number;
      }
    | undefined;
  amqp:
    | {
        url: string;
        exchange: string;
        persistent: boolean;
        mandatory: boolean;
        window: number;
        connectTimeoutMs: number;
        queue: number;
      }
    | undefined;
  coap:
    | { port: number; host: string; topic: string; toMqtt: boolean; toAmqp: boolean; retryAfterSec: number }
    | undefined;
  dashboards: { port: number; host: string; subscribe: string[]; qos: Qos; maxBufferedBytes: number } | undefined;
  webhook:
    | {
        url: string;
        subscribe: string[];
        qos: Qos;
        concurrency: number;
        retries: number;
        retryDelayMs: number;
        timeoutMs: number;
        topicHeader: string;
        queue: number;
      }
    | undefined;
  admin: { port: number; host: string } | undefined;
}

const MAX_INT = 2 ** 31 - 1;
const TOP = ['queue', 'drainMs', 'mqtt', 'amqp', 'coap', 'dashboards', 'webhook', 'admin'] as const;
const QOS = [0, 1, 2] as const;

/** MQTT 5 §4.8.2 shared subscriptions are fine for the gateway's own subscriptions (several gateways share the alerts). */
function subscriptionProblem(filter: string): string | undefined {
  return filterProblem(parseShared(filter)?.filter ?? filter);
}

/** The problem note for one MQTT filter, or undefined when it has no problem. */
function filterNote(filter: string, problem: string | undefined): string | undefined {
  return problem ? `MQTT filter ${JSON.stringify(filter)} ${problem} (MQTT §4.7)` : undefined;
}

/** Validates `raw` (a GatewayConfig, e.g. parsed JSON); throws one FleetbenchError listing every problem. */
export function resolveGatewayConfig(raw: unknown, source = 'gateway config'): ResolvedGatewayConfig {
  const c = new Checker();
  const top = c.section('', raw ?? {}, TOP) ?? {};
  const queue = c.integer('queue', top.queue, 1, MAX_INT, GATEWAY_DEFAULTS.queue) ?? GATEWAY_DEFAULTS.queue;
  const drainMs = c.integer('drainMs', top.drainMs, 0, 600_000, GATEWAY_DEFAULTS.drainMs) ?? GATEWAY_DEFAULTS.drainMs;
  const port = (path: string, value: unknown, fallback: number): number =>
    c.integer(path, value, 0, 65535, fallback) ?? fallback;

  let mqtt: ResolvedGatewayConfig['mqtt'];
  const m = c.section('mqtt', top.mqtt, [
    'url',
    'clientId',
    'username',
    'password',
    'version',
    'qos',
    'inflight',
    'keepalive',
    'connectTimeoutMs',
    'queue',
  ]);
  if (m) {
    const d = GATEWAY_DEFAULTS.mqtt;
    mqtt = {
      url: c.url('mqtt.url', m.url, ['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss']) ?? '',
      clientId: c.stringOr('mqtt.clientId', m.clientId, d.clientId).replaceAll('{pid}', String(process.pid)),
      username: c.string('mqtt.username', m.username, true),
      password:
        m.password === undefined
          ? undefined
          : typeof m.password === 'string'
            ? m.password
            : c.fail('mqtt.password', 'a string', '(not shown)'),
      version: c.oneOf<4 | 5>('mqtt.version', m.version, [4, 5], d.version),
      qos: c.oneOf<Qos>('mqtt.qos', m.qos, QOS, d.qos),
      inflight: c.integer('mqtt.inflight', m.inflight, 1, 65535, d.inflight) ?? d.inflight,
      keepalive: c.integer('mqtt.keepalive', m.keepalive, 0, 65535, d.keepalive) ?? d.keepalive,
      connectTimeoutMs:
        c.integer('mqtt.connectTimeoutMs', m.connectTimeoutMs, 1, 600_000, d.connectTimeoutMs) ?? d.connectTimeoutMs,
      queue: c.integer('mqtt.queue', m.queue, 1, MAX_INT, queue) ?? queue,
    };
  }

  let amqp: ResolvedGatewayConfig['amqp'];
  const a = c.section('amqp', top.amqp, [
    'url',
    'exchange',
    'persistent',
    'mandatory',
    'window',
    'connectTimeoutMs',
    'queue',
  ]);
  if (a) {
    const d = GATEWAY_DEFAULTS.amqp;
    // AMQP 0-9-1 §4.2.5.3 (shortstr): exchange names are at most 255 bytes.
    const exchange = a.exchange === '' ? '' : c.stringOr('amqp.exchange', a.exchange, d.exchange);
    if (Buffer.byteLength(exchange) > 255) c.fail('amqp.exchange', 'at most 255 bytes (AMQP 0-9-1 shortstr)', exchange);
    amqp = {
      url: c.url('amqp.url', a.url, ['amqp', 'amqps']) ?? '',
      exchange,
      persistent: c.boolean('amqp.persistent', a.persistent, d.persistent),
      mandatory: c.boolean('amqp.mandatory', a.mandatory, d.mandatory),
      window: c.integer('amqp.window', a.window, 1, 65535, d.window) ?? d.window,
      connectTimeoutMs:
        c.integer('amqp.connectTimeoutMs', a.connectTimeoutMs, 1, 600_000, d.connectTimeoutMs) ?? d.connectTimeoutMs,
      queue: c.integer('amqp.queue', a.queue, 1, MAX_INT, queue) ?? queue,
    };
  }

  let coap: ResolvedGatewayConfig['coap'];
  const k = c.section('coap', top.coap, ['port', 'host', 'topic', 'to', 'retryAfterSec']);
  if (k) {
    const d = GATEWAY_DEFAULTS.coap;
    const topic = c.stringOr('coap.topic', k.topic, d.topic);
    const rendered = topic.replaceAll('{path}', 'x');
    const problem = topicProblem(rendered);
    if (problem) c.note('coap.topic', `the rendered topic ${problem} (MQTT §4.7)`);
    let to: string[] = [...(mqtt ? ['mqtt'] : []), ...(amqp ? ['amqp'] : [])];
    if (k.to !== undefined) {
      to =
        c.strings('coap.to', k.to, undefined, (s) =>
          s === 'mqtt' || s === 'amqp' ? undefined : `expected "mqtt" or "amqp", got ${JSON.stringify(s)}`,
        ) ?? to;
      for (const [i, dest] of to.entries()) {
        if (dest === 'mqtt' && !mqtt)
          c.note(`coap.to[${i}]`, 'forwards to MQTT but there is no mqtt section (add mqtt.url)');
        if (dest === 'amqp' && !amqp)
          c.note(`coap.to[${i}]`, 'forwards to AMQP but there is no amqp section (add amqp.url)');
      }
    }
    if (to.length === 0) c.note('coap', 'CoAP ingest needs somewhere to forward to: add an mqtt or amqp section');
    coap = {
      port: port('coap.port', k.port, d.port),
      host: c.stringOr('coap.host', k.host, GATEWAY_DEFAULTS.host),
      topic,
      toMqtt: to.includes('mqtt'),
      toAmqp: to.includes('amqp'),
      retryAfterSec:
        c.integer('coap.retryAfterSec', k.retryAfterSec, 0, 2 ** 32 - 1, d.retryAfterSec) ?? d.retryAfterSec,
    };
  }

  let dashboards: ResolvedGatewayConfig['dashboards'];
  const w = c.section('dashboards', top.dashboards, ['port', 'host', 'subscribe', 'qos', 'maxBufferedBytes']);
  if (w) {
    const d = GATEWAY_DEFAULTS.dashboards;
    if (!mqtt) c.note('dashboards', 'dashboards are fed from MQTT subscriptions: add an mqtt section (mqtt.url)');
    // Checked in the order of the fields below, so that problems are listed in that order.
    const dashboardsPort = port('dashboards.port', w.port, d.port);
    const host = c.stringOr('dashboards.host', w.host, GATEWAY_DEFAULTS.host);
    // Dashboards match their own filters within these; a shared subscription would hide messages from them.
    let subscribe: string[] = [];
    if (w.subscribe === undefined) {
      c.note(
        'dashboards.subscribe',
        'missing: the MQTT filters dashboards are fed from, e.g. ["telemetry/#"] (--dashboards on the command line)',
      );
    } else {
      const filters = c.strings('dashboards.subscribe', w.subscribe, undefined, (f) => filterNote(f, filterProblem(f)));
      subscribe = filters ?? [];
    }
    dashboards = {
      port: dashboardsPort,
      host,
      subscribe,
      qos: c.oneOf<Qos>('dashboards.qos', w.qos, QOS, d.qos),
      maxBufferedBytes:
        c.integer('dashboards.maxBufferedBytes', w.maxBufferedBytes, 1, MAX_INT, d.maxBufferedBytes) ??
        d.maxBufferedBytes,
    };
  }

  let webhook: ResolvedGatewayConfig['webhook'];
  const h = c.section('webhook', top.webhook, [
    'url',
    'subscribe',
    'qos',
    'concurrency',
    'retries',
    'retryDelayMs',
    'timeoutMs',
    'topicHeader',
    'queue',
  ]);
  if (h) {
    const d = GATEWAY_DEFAULTS.webhook;
    if (!mqtt) c.note('webhook', 'the webhook is fed from MQTT subscriptions: add an mqtt section (mqtt.url)');
    const topicHeader = c.stringOr('webhook.topicHeader', h.topicHeader, d.topicHeader);
    // RFC 9110 §5.1: a field name is a token.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(topicHeader))
      c.fail('webhook.topicHeader', 'an HTTP field name (RFC 9110 §5.1 token)', topicHeader);
    webhook = {
      url: c.url('webhook.url', h.url, ['http']) ?? '',
      subscribe:
        c.strings('webhook.subscribe', h.subscribe, d.subscribe, (f) => filterNote(f, subscriptionProblem(f))) ?? [],
      qos: c.oneOf<Qos>('webhook.qos', h.qos, QOS, d.qos),
      concurrency: c.integer('webhook.concurrency', h.concurrency, 1, 1024, d.concurrency) ?? d.concurrency,
      retries: c.integer('webhook.retries', h.retries, 0, 20, d.retries) ?? d.retries,
      retryDelayMs: c.integer('webhook.retryDelayMs', h.retryDelayMs, 0, 60_000, d.retryDelayMs) ?? d.retryDelayMs,
      timeoutMs: c.integer('webhook.timeoutMs', h.timeoutMs, 1, 600_000, d.timeoutMs) ?? d.timeoutMs,
      topicHeader,
      queue: c.integer('webhook.queue', h.queue, 1, MAX_INT, queue) ?? queue,
    };
  }

  let admin: ResolvedGatewayConfig['admin'];
  const s = c.section('admin', top.admin, ['port', 'host']);
  if (s)
    admin = {
      port: port('admin.port', s.port, 0),
      host: c.stringOr('admin.host', s.host, GATEWAY_DEFAULTS.host),
    };

  if (!coap && !dashboards && !webhook)
    c.note(
      'coap, dashboards, webhook',
      'none is configured: nothing to bridge (add one of these sections; on the command line --coap-port, --ws-port with --dashboards, or --webhook)',
    );
  if (c.problems.length > 0) {
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `${source}: invalid gateway configuration\n${c.problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return { drainMs, mqtt, amqp, coap, dashboards, webhook, admin };
}
