// Fan-out to 50 browser-style dashboards over WebSocket, end to end through run(): the JSON
// bridge (embedded hub), and MQTT over WebSocket on a private Mosquitto, on the embedded aedes
// broker's ws listener and on RabbitMQ Web MQTT. Each of the 50 observers must receive every
// message exactly once: 2 publishers × 20 messages × 50 dashboards = 2000 deliveries.
//
// The four runs share nothing (each has its own run id in its topics, and its own broker or hub
// where it is embedded) and most of a run is waiting (its drain), so they are concurrent
// (`describe.concurrent`, with the test's own `expect`; at most 3 at a time,
// test/vitest.config.ts), the slowest broker first. Each drain has a second more than a run alone
// needs, for the fan-out of the last messages while the other runs load the machine.
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

/** The default drain covers a 50-way fan-out of the last messages on a loaded machine; slower brokers get more. */
function scenario(publisher: string, dashboard: string, targets = '', drain = '4s'): string {
  return writeScenario(
    'ws-dashboards',
    `export default defineScenario({
      name: 'ws-dashboards', duration: '10s', drain: '${drain}', connectRate: '1000/s',
      ${targets}
      fleets: { pub: { count: ${PUBLISHERS}, protocol: ${publisher}, topic: 'fbtest/{run}/vehicle/{id}/gps', send: every('25ms'), messages: ${MESSAGES}, payload: bytes(64) } },
      observers: { dash: { count: ${DASHBOARDS}, protocol: ${dashboard}, receives: ['pub'] } },
    });`,
  );
}

/** Every dashboard got every message once, with end-to-end latency for each delivery; `expect` is the calling test's own. */
function expectFullFanOut(expect: ExpectStatic, result: RunResult): void {
  expect(result.fleets.pub!.messages.sent).toBe(SENT);
  expect(result.fleets.dash!.devices.peakConnected).toBe(DASHBOARDS);
  const d = result.delivery.find((r) => r.from === 'pub' && r.to === 'dash')!;
  expect(d.receivers).toBe(DASHBOARDS);
  expect(d.expected).toBe(SENT * DASHBOARDS);
  expect(d.unique).toBe(SENT * DASHBOARDS);
  expect(d.received).toBe(SENT * DASHBOARDS);
  expect(d.lost).toBe(0);
  expect(d.duplicated).toBe(0);
  expect(d.latency.corrected.count).toBe(SENT * DASHBOARDS);
  expect(d.latency.corrected.p50).toBeGreaterThan(0);
  expect(result.fleets.dash!.messages.received).toBe(SENT * DASHBOARDS);
  expect(result.errors).toEqual([]);
}

describe.concurrent('dashboards over MQTT over WebSocket', () => {
  let mosq: PrivateMosquitto;
  beforeAll(async () => {
    // A TCP listener for the publishers and a websockets listener (RFC 6455, subprotocol 'mqtt') for the dashboards.
    mosq = await startMosquitto(
      { tcp: 'listener {port} 127.0.0.1', ws: 'listener {port} 127.0.0.1\nprotocol websockets' },
      'allow_anonymous true\n',
    );
    if (!(await portOpen(15675))) execFileSync('bash', ['.ci/rabbitmq-mqtt.sh'], { stdio: 'inherit' });
  });
  afterAll(async () => {
    await mosq?.stop();
  });

  const mqttFanOut = (publishers: string, dashboards: string, drain?: string): string =>
    scenario(
      'mqtt({ qos: 1 })',
      "mqtt({ qos: 1, target: 'dash' })",
      `targets: { mqtt: '${publishers}', dash: '${dashboards}' },`,
      drain,
    );

  it('RabbitMQ: publishers on its MQTT listener (1884), dashboards on Web MQTT (ws://…:15675/ws)', async ({
    expect,
  }) => {
    // RabbitMQ's QoS 1 fan-out to 50 queues took up to 1.7 s per message on this 2-core machine
    // under load (p50 0.4–0.8 s, over its TCP listener as well): the drain leaves it 5 s.
    const { result } = await run({
      scenario: mqttFanOut('mqtt://127.0.0.1:1884', 'ws://127.0.0.1:15675/ws', '5s'),
      workers: 2,
      write: false,
    });
    expectFullFanOut(expect, result);
    // RabbitMQ grants QoS 1 at most; asked for 1, it grants 1.
    expect(result.codes['dash|suback|1']).toBe(DASHBOARDS);
  });

  it('Mosquitto: publishers over TCP at QoS 1, 50 dashboards over ws:// at QoS 1', async ({ expect }) => {
    const { result } = await run({
      scenario: mqttFanOut(`mqtt://127.0.0.1:${mosq.ports.tcp}`, `ws://127.0.0.1:${mosq.ports.ws}`),
      workers: 2,
      write: false,
    });
    expectFullFanOut(expect, result);
    expect(result.delivery[0]!.promise.label).toBe('QoS 1 (at least once)');
    expect(result.codes['dash|suback|1']).toBe(DASHBOARDS);
  });

  it('the embedded broker (aedes): publishers on its TCP listener, dashboards on embedded:ws', async ({ expect }) => {
    // aedes runs in the main thread: under a loaded machine its 50-way QoS 1 fan-out can trail the senders by more than a second.
    const file = scenario(
      'mqtt({ qos: 1 })',
      "mqtt({ qos: 1, target: 'dash' })",
      "targets: { dash: 'embedded:ws' },",
      '5s',
    );
    const { result } = await run({ scenario: file, workers: 2, write: false });
    expectFullFanOut(expect, result);
    expect(result.targets.dash).toMatch(/^embedded mqtt \(ws:\/\/127\.0\.0\.1:\d+\)$/);
    expect(result.targets.mqtt).toMatch(/^embedded mqtt \(mqtt:\/\/127\.0\.0\.1:\d+\)$/);
  });
});

describe.concurrent('dashboards over the JSON WebSocket bridge', () => {
  it('a ws fleet → the embedded hub → 50 ws dashboards: every message to every dashboard, counted frame by frame', async ({
    expect,
  }) => {
    const { result } = await run({ scenario: scenario('ws()', 'ws()'), workers: 2, write: false });
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
