// `startGateway(config)`: the reference gateway, a system under test that bridges protocols
// the way a production IoT gateway would, with bounded queues whose overflow is counted:
//   CoAP POST/PUT → MQTT publish and AMQP publish (topic 'telemetry/3' / key 'telemetry.3'),
//   MQTT subscriptions → WebSocket dashboards (JSON bridge protocol),
//   MQTT alerts → HTTP webhook.
// It is independent of the load generator (no runner or DSL imports).
import { isIP } from 'node:net';
import type { MqttClient } from 'mqtt';
import { coapDriver } from '../protocols/coap/index.ts';
import { levelsMatch, parseShared, topicToRoutingKey } from '../protocols/topics.ts';
import { topicProblem } from '../protocols/ws/filters.ts';
import { AdminServer } from './admin.ts';
import { AmqpPublisher } from './amqp-publisher.ts';
import { type Admission, CoapIngest } from './coap-ingest.ts';
import { type GatewayConfig, type ResolvedGatewayConfig, resolveGatewayConfig } from './config.ts';
import { Dashboards } from './dashboards.ts';
import { connectMqtt, subscribeAll } from './mqtt-link.ts';
import { MqttPublisher } from './mqtt-publisher.ts';
import type { GatewayStats, PathStats } from './stats.ts';
import { WebhookSender } from './webhook.ts';

export interface GatewayUrls {
  /** coap://host:port of the CoAP ingest. */
  coap?: string;
  /** ws://host:port of the dashboards' WebSocket server. */
  dashboards?: string;
  /** http://host:port of the admin server (GET /stats). */
  admin?: string;
}

export interface Gateway {
  /** What the gateway listens on (the bound ports, also when 0 was asked for). */
  readonly urls: GatewayUrls;
  /** The configuration with every default filled in. */
  readonly config: ResolvedGatewayConfig;
  stats(): GatewayStats;
  /** Graceful stop: stops ingest, flushes queues for at most drainMs, closes; resolves with the final stats. */
  close(): Promise<GatewayStats>;
}

/** Path names in the stats. */
const PATHS = { coapMqtt: 'coap→mqtt', coapAmqp: 'coap→amqp', webhook: 'mqtt→webhook' } as const;

const FLUSH_POLL_MS = 20;

/**
 * Whether a topic matches any of `filters`, with each filter split once, here, rather than per
 * message. A shared subscription '$share/group/alerts/#' matches topics as 'alerts/#' (MQTT 5
 * §4.8.2); the configuration only lets through '$share/' filters that parseShared() reads.
 */
function matcher(filters: readonly string[]): (topic: string) => boolean {
  const split = filters.map((f) => (parseShared(f)?.filter ?? f).split('/'));
  return (topic) => {
    const levels = topic.split('/');
    const dollar = topic.startsWith('$');
    return split.some((f) => levelsMatch(f, levels, dollar));
  };
}

class Parts {
  mqttPublisher: MqttPublisher | undefined;
  amqpPublisher: AmqpPublisher | undefined;
  webhook: WebhookSender | undefined;
  dashboards: Dashboards | undefined;
  coap: CoapIngest | undefined;
  admin: AdminServer | undefined;
  readonly clients: MqttClient[] = [];

  async closeAll(): Promise<void> {
    await this.coap?.close();
    await this.dashboards?.close();
    this.webhook?.close();
    await this.amqpPublisher?.close();
    this.mqttPublisher?.abandon();
    await Promise.all(this.clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await this.admin?.close();
  }
}

/** Starts the gateway; `options.source` names the configuration in error messages (e.g. the file). */
export async function startGateway(config: GatewayConfig, options: { source?: string } = {}): Promise<Gateway> {
  const o = resolveGatewayConfig(config, options.source);
  const parts = new Parts();
  const urls: GatewayUrls = {};
  const startedAt = new Date();
  try {
    await connect(o, parts);
    if (o.coap) {
      const coap = o.coap;
      const outs = [parts.mqttPublisher, parts.amqpPublisher].filter((p) => p !== undefined);
      parts.coap = new CoapIngest({
        type: isIP(coap.host) === 6 ? 'udp6' : 'udp4',
        retryAfterSec: coap.retryAfterSec,
        offer: (path, payload) => offer(coap.topic, path, payload, parts, outs),
      });
      const bound = await parts.coap.listen(coap.port, coap.host);
      urls.coap = `coap://${coap.host.includes(':') ? `[${coap.host}]` : coap.host}:${bound.port}`;
    }
    if (parts.dashboards) urls.dashboards = await parts.dashboards.listen();
    if (o.admin) {
      parts.admin = new AdminServer(() => snapshot());
      urls.admin = await parts.admin.listen(o.admin.port, o.admin.host);
    }
  } catch (err) {
    await parts.closeAll();
    throw err;
  }

  function snapshot(): GatewayStats {
    const paths: Record<string, PathStats> = {};
    if (parts.mqttPublisher) paths[PATHS.coapMqtt] = parts.mqttPublisher.counters.snapshot();
    if (parts.amqpPublisher) paths[PATHS.coapAmqp] = parts.amqpPublisher.counters.snapshot();
    if (parts.webhook) paths[PATHS.webhook] = parts.webhook.counters.snapshot();
    const s: GatewayStats = { startedAt: startedAt.toISOString(), uptimeMs: Date.now() - startedAt.getTime(), paths };
    if (parts.coap) s.coap = parts.coap.stats();
    if (parts.dashboards) s.dashboards = parts.dashboards.stats();
    return s;
  }

  let closing: Promise<GatewayStats> | undefined;
  const close = (): Promise<GatewayStats> => (closing ??= stop(o, parts, snapshot));
  return { urls, config: o, stats: snapshot, close };
}

/** Opens every broker connection the configuration needs, in parallel; the first failure wins and the rest are closed by the caller. */
async function connect(o: ResolvedGatewayConfig, parts: Parts): Promise<void> {
  const tasks: Promise<void>[] = [];
  const mqtt = o.mqtt;
  const client = async (m: NonNullable<ResolvedGatewayConfig['mqtt']>, suffix: string): Promise<MqttClient> => {
    const c = await connectMqtt(m, suffix);
    parts.clients.push(c);
    return c;
  };
  if (o.coap?.toMqtt && mqtt) {
    tasks.push(
      client(mqtt, '-coap').then((c) => {
        parts.mqttPublisher = new MqttPublisher(c, { qos: mqtt.qos, inflight: mqtt.inflight, capacity: mqtt.queue });
      }),
    );
  }
  if (o.coap?.toAmqp && o.amqp) {
    tasks.push(
      AmqpPublisher.start(o.amqp).then((p) => {
        parts.amqpPublisher = p;
      }),
    );
  }
  // Dashboards and alerts have connections of their own: overlapping subscriptions on one
  // connection may be delivered once or once per filter (MQTT §3.3.5), which would blur counts.
  const dash = o.dashboards;
  if (dash && mqtt) {
    tasks.push(
      client(mqtt, '-ws').then(async (c) => {
        const d = new Dashboards(dash, c, mqtt.inflight);
        parts.dashboards = d;
        const matches = matcher(dash.subscribe);
        c.on('message', (topic, payload) => {
          if (matches(topic)) d.deliver(topic, payload);
        });
        await subscribeAll(c, mqtt.url, dash.subscribe, dash.qos, 'dashboards.subscribe');
      }),
    );
  }
  const hook = o.webhook;
  if (hook && mqtt) {
    tasks.push(
      client(mqtt, '-webhook').then(async (c) => {
        const w = new WebhookSender(hook);
        parts.webhook = w;
        const matches = matcher(hook.subscribe);
        c.on('message', (topic, payload) => {
          if (matches(topic)) w.offer({ topic, payload });
        });
        await subscribeAll(c, mqtt.url, hook.subscribe, hook.qos, 'webhook.subscribe');
      }),
    );
  }
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * CoAP ingest admission: all or nothing. The body goes into every outbound queue, or (one is
 * full) into none and the request is answered 5.03: the full queues count an overflow, the
 * others a refusal, so no path silently misses a message another path forwarded.
 */
function offer(
  template: string,
  path: string,
  payload: Buffer,
  parts: Parts,
  outs: (MqttPublisher | AmqpPublisher)[],
): Admission {
  const topic = template.replaceAll('{path}', coapDriver.canonicalTopic(path));
  // [MQTT-3.3.2-2] a topic name has no wildcards and (§4.7.3) at least one character.
  if (topicProblem(topic)) return 'bad_path';
  if (outs.some((p) => p.queue.free === 0)) {
    for (const p of outs) {
      p.counters.received++;
      if (p.queue.free === 0) p.counters.overflow++;
      else p.counters.refused++;
    }
    return 'full';
  }
  parts.mqttPublisher?.enqueue({ topic, payload });
  // The routing key RabbitMQ's MQTT plugin uses for the same topic on amq.topic: '/' → '.'.
  parts.amqpPublisher?.enqueue({ routingKey: topicToRoutingKey(topic), payload });
  return 'accepted';
}

async function stop(o: ResolvedGatewayConfig, parts: Parts, snapshot: () => GatewayStats): Promise<GatewayStats> {
  // 1. Stop ingest: no new CoAP requests, no new MQTT deliveries, no dashboards.
  await parts.coap?.close();
  await Promise.all(
    parts.clients.filter((c) => c !== parts.mqttPublisher?.client).map((c) => c.endAsync(true).catch(() => undefined)),
  );
  await parts.dashboards?.close();
  // 2. Flush what is queued or in flight, for at most drainMs.
  const outs = [parts.mqttPublisher?.counters, parts.amqpPublisher?.counters, parts.webhook?.counters].filter(
    (c) => c !== undefined,
  );
  const until = Date.now() + o.drainMs;
  while (Date.now() < until && outs.some((c) => !c.idle)) await new Promise((r) => setTimeout(r, FLUSH_POLL_MS));
  // 3. Count what is left as abandoned, then close.
  parts.mqttPublisher?.abandon();
  parts.amqpPublisher?.abandon();
  parts.webhook?.abandon();
  const final = snapshot();
  await parts.closeAll();
  return final;
}
