// Fan-out to 50 browser-style dashboards over WebSocket, end to end through run(): the JSON
// bridge (embedded hub), and MQTT over WebSocket on a private Mosquitto, on the embedded aedes
// broker's ws listener and on RabbitMQ Web MQTT. Each of the 50 observers must receive every
// message exactly once: 2 publishers × 20 messages × 50 dashboards = 2000 deliveries.
//
// The three MQTT brokers share one run, each with publishers and dashboards of its own on targets
// of its own (a broker carries only its own groups' messages, and every check reads its broker's
// groups); the bridge has a run of its own. The two runs share nothing (each has its own run id in
// its topics, and its own embedded broker or hub) and most of a run is waiting (its drain), so
// they are concurrent (`describe.concurrent`, with the test's own `expect`; test/vitest.config.ts).
// Each drain has a second more than a run alone needs, for the fan-out of the last messages while
// the other run loads the machine.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { WsStats } from '../../src/protocols/ws/stats.ts';
import type { RunResult } from '../../src/result/types.ts';
import { type PrivateMosquitto, portOpen, startMosquitto } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';

const PUBLISHERS = 2;
const MESSAGES = 20;
const DASHBOARDS = 50;
const SENT = PUBLISHERS * MESSAGES;

/** The bridge's run: a ws fleet and ws dashboards on the embedded hub; the drain covers a 50-way fan-out of the last messages on a loaded machine. */
function bridgeScenario(): string {
  return writeScenario(
    'ws-dashboards',
    `export default defineScenario({
      name: 'ws-dashboards', duration: '10s', drain: '4s', connectRate: '1000/s',
      fleets: { pub: { count: ${PUBLISHERS}, protocol: ws(), topic: 'fbtest/{run}/vehicle/{id}/gps', send: every('25ms'), messages: ${MESSAGES}, payload: bytes(64) } },
      observers: { dash: { count: ${DASHBOARDS}, protocol: ws(), receives: ['pub'] } },
    });`,
  );
}

/**
 * Every dashboard (group `dash`) got every message of the publishers (group `pub`) once, with
 * end-to-end latency for each delivery, and the run counted no error; `expect` is the calling test's own.
 */
function expectFullFanOut(expect: ExpectStatic, result: RunResult, pub = 'pub', dash = 'dash'): void {
  expect(result.fleets[pub]!.messages.sent).toBe(SENT);
  expect(result.fleets[dash]!.devices.peakConnected).toBe(DASHBOARDS);
  const d = result.delivery.find((r) => r.from === pub && r.to === dash)!;
  expect(d.receivers).toBe(DASHBOARDS);
  expect(d.expected).toBe(SENT * DASHBOARDS);
  expect(d.unique).toBe(SENT * DASHBOARDS);
  expect(d.received).toBe(SENT * DASHBOARDS);
  expect(d.lost).toBe(0);
  expect(d.duplicated).toBe(0);
  expect(d.latency.corrected.count).toBe(SENT * DASHBOARDS);
  expect(d.latency.corrected.p50).toBeGreaterThan(0);
  expect(result.fleets[dash]!.messages.received).toBe(SENT * DASHBOARDS);
  expect(result.errors).toEqual([]);
}

/**
 * Per broker b: publishers `<b>Pub` over TCP at QoS 1 and 50 dashboards `<b>Dash` over WebSocket
 * at QoS 1, on topics of their own. Targets: Mosquitto `mosq` and `mosqWs`; the embedded aedes
 * broker serves the `mqtt` target, and `'embedded:ws'` is its WebSocket listener; RabbitMQ's MQTT
 * listener (1884) and Web MQTT (ws://…:15675/ws). RabbitMQ's QoS 1 fan-out to 50 queues took up
 * to 1.7 s per message on this 2-core machine under load (p50 0.4–0.8 s, over its TCP listener as
 * well), and aedes runs in the main thread, where under load its 50-way QoS 1 fan-out can trail
 * the senders by more than a second: the drain leaves them 5 s.
 */
function mqttBrokers(mosq: PrivateMosquitto): string {
  const brokers = [
    ['mosq', 'mosq', 'mosqWs'],
    ['aedes', 'mqtt', 'aedesWs'],
    ['rabbit', 'rabbit', 'rabbitWs'],
  ];
  const fleets = brokers.map(
    ([b, tcp]) =>
      `${b}Pub: { count: ${PUBLISHERS}, protocol: mqtt({ qos: 1, target: '${tcp}' }), topic: 'fbtest/{run}/${b}/vehicle/{id}/gps', send: every('25ms'), messages: ${MESSAGES}, payload: bytes(64) },`,
  );
  const observers = brokers.map(
    ([b, , ws]) =>
      `${b}Dash: { count: ${DASHBOARDS}, protocol: mqtt({ qos: 1, target: '${ws}' }), receives: ['${b}Pub'] },`,
  );
  return writeScenario(
    'ws-dashboards-mqtt',
    `export default defineScenario({
      name: 'ws-dashboards-mqtt', duration: '10s', drain: '5s', connectRate: '1000/s',
      targets: {
        mosq: 'mqtt://127.0.0.1:${mosq.ports.tcp}', mosqWs: 'ws://127.0.0.1:${mosq.ports.ws}',
        aedesWs: 'embedded:ws',
        rabbit: 'mqtt://127.0.0.1:1884', rabbitWs: 'ws://127.0.0.1:15675/ws',
      },
      fleets: { ${fleets.join('\n')} },
      observers: { ${observers.join('\n')} },
    });`,
  );
}

describe.concurrent('dashboards over MQTT over WebSocket', () => {
  let mosq: PrivateMosquitto;
  let result: RunResult;
  beforeAll(async () => {
    // A TCP listener for the publishers and a websockets listener (RFC 6455, subprotocol 'mqtt') for the dashboards.
    mosq = await startMosquitto(
      { tcp: 'listener {port} 127.0.0.1', ws: 'listener {port} 127.0.0.1\nprotocol websockets' },
      'allow_anonymous true\n',
    );
    if (!(await portOpen(15675))) execFileSync('bash', ['.ci/rabbitmq-mqtt.sh'], { stdio: 'inherit' });
    ({ result } = await run({ scenario: mqttBrokers(mosq), workers: 2, write: false }));
  });
  afterAll(async () => {
    await mosq?.stop();
  });

  it('RabbitMQ: publishers on its MQTT listener (1884), dashboards on Web MQTT (ws://…:15675/ws)', ({ expect }) => {
    expectFullFanOut(expect, result, 'rabbitPub', 'rabbitDash');
    // RabbitMQ grants QoS 1 at most; asked for 1, it grants 1.
    expect(result.codes['rabbitDash|suback|1']).toBe(DASHBOARDS);
  });

  it('Mosquitto: publishers over TCP at QoS 1, 50 dashboards over ws:// at QoS 1', ({ expect }) => {
    expectFullFanOut(expect, result, 'mosqPub', 'mosqDash');
    const d = result.delivery.find((r) => r.from === 'mosqPub' && r.to === 'mosqDash')!;
    expect(d.promise.label).toBe('QoS 1 (at least once)');
    expect(result.codes['mosqDash|suback|1']).toBe(DASHBOARDS);
  });

  it('the embedded broker (aedes): publishers on its TCP listener, dashboards on embedded:ws', ({ expect }) => {
    expectFullFanOut(expect, result, 'aedesPub', 'aedesDash');
    expect(result.targets.aedesWs).toMatch(/^embedded mqtt \(ws:\/\/127\.0\.0\.1:\d+\)$/);
    expect(result.targets.mqtt).toMatch(/^embedded mqtt \(mqtt:\/\/127\.0\.0\.1:\d+\)$/);
  });
});

describe.concurrent('dashboards over the JSON WebSocket bridge', () => {
  it('a ws fleet → the embedded hub → 50 ws dashboards: every message to every dashboard, counted frame by frame', async ({
    expect,
  }) => {
    const { result } = await run({ scenario: bridgeScenario(), workers: 2, write: false });
    expectFullFanOut(expect, result);
    expect(result.targets.ws).toMatch(/^embedded ws \(ws:\/\/127\.0\.0\.1:\d+\)$/);
    const d = result.delivery[0]!;
    expect(d.promise).toEqual({
      label: 'WebSocket bridge (TCP, no end-to-end acknowledgement)',
      short: 'WebSocket bridge',
      noLoss: false,
      noDuplicates: true,
    });
    expect(d.verdict.kept).toBe(true);
    // Every publish was answered 'published'.
    const pub = result.fleets.pub!;
    expect(pub.messages.acked).toBe(SENT);
    expect(pub.latency.ack!.corrected.count).toBe(SENT);
    const pubWs = (pub as unknown as { ws: WsStats }).ws;
    expect(pubWs.frames).toEqual({ sent: SENT, received: SENT, invalid: 0 });
    // Each dashboard: one subscribe out, one 'subscribed' plus every message in.
    const dashWs = (result.fleets.dash as unknown as { ws: WsStats }).ws;
    expect(dashWs).toEqual({
      frames: { sent: DASHBOARDS, received: DASHBOARDS + SENT * DASHBOARDS, invalid: 0 },
      subscriptions: DASHBOARDS,
      errors: {},
      overflow: 0,
      unanswered: 0,
      closes: {},
    });
    // Bytes at the socket: the Upgrade exchange and every frame header are in them, so a
    // dashboard received more than the base64 of its payloads (64 → 88 characters per message).
    expect(result.fleets.dash!.bytes.received).toBeGreaterThan(SENT * DASHBOARDS * 88);
    // The hub's own counters are in the result: each publish reached every dashboard, none overflowed.
    expect(result.servers.ws).toMatchObject({
      published: SENT,
      delivered: SENT * DASHBOARDS,
      overflow: 0,
      overflowUnreported: 0,
    });
  });
});
