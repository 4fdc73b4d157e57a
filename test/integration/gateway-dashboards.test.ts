// MQTT → gateway → WebSocket dashboards (JSON bridge protocol), with Mosquitto and raw `ws`
// clients: each dashboard gets exactly the messages its own filters match, bytes intact; a
// dashboard's publish goes upstream to MQTT; a send buffer too small for a message overflows,
// counted and told to the dashboard.
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Gateway, run, startGateway } from '../../src/index.ts';
import { topicMatches } from '../../src/protocols/topics.ts';
import { type BridgeFrame, parseBridgeFrame } from '../../src/protocols/ws/bridge-protocol.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';
import { waitFor } from '../helpers/wait.ts';

const NONCE = `gw${process.pid}x${Date.now().toString(36)}`;
const ROOT = `${NONCE}/dash`;

interface Dashboard {
  socket: WebSocket;
  frames: BridgeFrame[];
  messages(): { topic: string; payload: Buffer }[];
}

async function dashboard(url: string, filters: string[]): Promise<Dashboard> {
  const socket = new WebSocket(url);
  const frames: BridgeFrame[] = [];
  socket.on('message', (data) => {
    const f = parseBridgeFrame(data.toString());
    if (f) frames.push(f);
  });
  await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
  filters.forEach((topic, id) => {
    socket.send(JSON.stringify({ type: 'subscribe', topic, id }));
  });
  await waitFor(() => frames.filter((f) => f.type === 'subscribed').length === filters.length, {
    what: 'subscriptions confirmed',
  });
  return {
    socket,
    frames,
    messages: () =>
      frames.flatMap((f) =>
        f.type === 'message' ? [{ topic: f.topic, payload: Buffer.from(f.payload, 'base64') }] : [],
      ),
  };
}

describe('gateway: MQTT → WebSocket dashboards', () => {
  let gateway: Gateway;
  let publisher: MqttClient;
  const dashboards: Dashboard[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      mqtt: { url: MOSQUITTO_URL, clientId: `${NONCE}-gw` },
      dashboards: { port: 0, subscribe: [`${ROOT}/#`] },
    });
    publisher = await connectAsync(MOSQUITTO_URL, { clientId: `${NONCE}-pub` });
  });

  afterAll(async () => {
    for (const d of dashboards) d.socket.terminate();
    await publisher?.endAsync();
    await gateway?.close();
  });

  it('each of N dashboards gets exactly the messages its filters match, once, with the exact bytes', async () => {
    const filters = [[`${ROOT}/#`], [`${ROOT}/+/temp`], [`${ROOT}/a/#`, `${ROOT}/+/temp`], [`${ROOT}/none`]];
    for (const f of filters) dashboards.push(await dashboard(gateway.urls.dashboards!, f));
    const topics = [`${ROOT}/a/temp`, `${ROOT}/a/hum`, `${ROOT}/b/temp`, `${ROOT}/b/hum`];
    const M = 100;
    const sent: { topic: string; payload: Buffer }[] = [];
    for (let i = 0; i < M; i++) {
      const m = {
        topic: topics[i % topics.length]!,
        payload: Buffer.from([i, 0, 255, 128, ...Buffer.from(`reading ${i}`)]),
      };
      sent.push(m);
      await publisher.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    const expected = filters.map((fs) => sent.filter((m) => fs.some((f) => topicMatches(f, m.topic))));
    const copies = expected.reduce((n, e) => n + e.length, 0);
    await waitFor(() => dashboards.reduce((n, d) => n + d.messages().length, 0) >= copies, {
      what: 'every copy delivered',
    });
    // A moment for a copy too many to show up, if any would.
    await new Promise((r) => setTimeout(r, 100));
    dashboards.forEach((d, i) => {
      // In publish order, each message once even where two of a dashboard's filters match.
      expect(d.messages().map((m) => `${m.topic} ${m.payload.toString('hex')}`)).toEqual(
        expected[i]!.map((m) => `${m.topic} ${m.payload.toString('hex')}`),
      );
    });
    expect(expected[0]).toHaveLength(M);
    expect(expected[3]).toHaveLength(0);
    const s = gateway.stats().dashboards!;
    expect(s).toMatchObject({ received: M, delivered: copies, overflow: 0, clients: filters.length });
  });

  it('a fleetbench MQTT fleet → Mosquitto → gateway → ws() observers: delivery measured end to end, nothing lost', async () => {
    const DEVICES = 5;
    const MESSAGES = 40;
    const OBSERVERS = 3;
    const total = DEVICES * MESSAGES;
    // The observers subscribe (over the bridge protocol) to what the runner derives from the fleet's
    // topic. The drain covers the last messages' two hops (Mosquitto, then the gateway) on a loaded machine.
    const scenario = writeScenario(
      'gateway-ws',
      `export default defineScenario({
      name: 'gateway-ws', duration: '20s', drain: '3s',
      fleets: { sensors: { count: ${DEVICES}, protocol: mqtt({ qos: 1 }), topic: '${ROOT}/s/{id}', send: every('10ms'), messages: ${MESSAGES}, payload: bytes(40) } },
      observers: { screens: { count: ${OBSERVERS}, protocol: ws(), receives: ['sensors'] } },
    });`,
    );
    const before = gateway.stats().dashboards!.received;
    const { result } = await run({
      scenario,
      workers: 1,
      write: false,
      targets: { mqtt: MOSQUITTO_URL, ws: gateway.urls.dashboards! },
    });
    const d = result.delivery.find((x) => x.from === 'sensors' && x.to === 'screens')!;
    expect(d).toMatchObject({ expected: total * OBSERVERS, unique: total * OBSERVERS, lost: 0, duplicated: 0 });
    expect(gateway.stats().dashboards!.received - before).toBe(total);
  });

  it("a dashboard's publish goes upstream to MQTT and is acknowledged", async () => {
    const watcher = await connectAsync(MOSQUITTO_URL, { clientId: `${NONCE}-watch` });
    const got: Buffer[] = [];
    watcher.on('message', (_t, p) => got.push(p));
    await watcher.subscribeAsync(`${NONCE}/cmd/#`, { qos: 1 });
    try {
      const d = await dashboard(gateway.urls.dashboards!, []);
      dashboards.push(d);
      const payload = Buffer.from([1, 2, 3, 0, 255]);
      d.socket.send(
        JSON.stringify({ type: 'publish', topic: `${NONCE}/cmd/valve`, payload: payload.toString('base64'), id: 9 }),
      );
      await waitFor(() => d.frames.some((f) => f.type === 'published' && f.id === 9), { what: 'the ack' });
      await waitFor(() => got.length === 1, { what: 'the message at the broker' });
      expect(got[0]).toEqual(payload);
      expect(gateway.stats().dashboards!.upstream).toEqual({ forwarded: 1, failed: 0 });
    } finally {
      await watcher.endAsync();
    }
  });

  it('dashboards whose send buffer cannot take a message: every copy overflows, counted and told to each dashboard', async () => {
    const small = await startGateway({
      mqtt: { url: MOSQUITTO_URL, clientId: `${NONCE}-small` },
      dashboards: { port: 0, subscribe: [`${NONCE}/big/#`], maxBufferedBytes: 64 },
    });
    try {
      const a = await dashboard(small.urls.dashboards!, [`${NONCE}/big/#`]);
      const b = await dashboard(small.urls.dashboards!, [`${NONCE}/big/#`]);
      dashboards.push(a, b);
      const M = 10;
      // A message frame of a 100-byte payload is over 64 bytes: never fits, always overflows.
      for (let i = 0; i < M; i++) await publisher.publishAsync(`${NONCE}/big/x`, Buffer.alloc(100, i), { qos: 1 });
      await waitFor(() => small.stats().dashboards!.overflow >= 2 * M, { what: 'every overflow' });
      const s = small.stats().dashboards!;
      expect(s).toMatchObject({ received: M, delivered: 0 });
      expect(s.overflow).toBe(2 * M);
      // Every overflow the dashboard could be told of arrived as an 'overflow' error frame.
      await waitFor(
        () =>
          a.frames.filter((f) => f.type === 'error').length + b.frames.filter((f) => f.type === 'error').length >=
          2 * M - s.overflowUnreported,
        { what: 'the overflow frames' },
      );
      for (const d of [a, b]) expect(d.messages()).toHaveLength(0);
      expect(a.frames.filter((f) => f.type === 'error').every((f) => f.type === 'error' && f.code === 'overflow')).toBe(
        true,
      );
    } finally {
      await small.close();
    }
  });
});
