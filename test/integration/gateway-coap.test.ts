// The reference gateway's CoAP ingest under load, against the machine's Mosquitto and
// RabbitMQ: a fleetbench CoAP CON fleet posts through the gateway; an MQTT observer in the same
// scenario, an AMQP observer (binding derived from the CoAP path) and an amqplib consumer bound
// to amq.topic count every message exactly. Then the
// queue bound: with the MQTT side held, exactly inflight + queue requests are accepted and the
// rest answered 5.03 with Max-Age, each one counted.
import { createSocket } from 'node:dgram';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, run, startGateway } from '../../src/index.ts';
import { decodeStamp, streamDevice } from '../../src/metrics/stamp.ts';
import { decodeUint, generate, option, parse, pathOptions } from '../../src/protocols/coap/codec.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';
import { waitFor } from '../helpers/wait.ts';

const RABBIT_URL = 'amqp://guest:guest@127.0.0.1:5672';
const NONCE = `gw${process.pid}x${Date.now().toString(36)}`;

/** One CoAP CON POST over `socket`, answered (piggybacked) or rejected after 10 s (a lost loopback datagram). */
function post(
  socket: ReturnType<typeof createSocket>,
  port: number,
  messageId: number,
  path: string,
  payload: Buffer,
): Promise<ReturnType<typeof parse>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to message ${messageId} within 10 s`)), 10_000);
    const onMessage = (buf: Buffer): void => {
      const p = parse(buf);
      if (p.messageId !== messageId) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(p);
    };
    socket.on('message', onMessage);
    socket.send(
      generate({
        code: '0.02',
        confirmable: true,
        messageId,
        token: Buffer.from([messageId & 0xff]),
        options: pathOptions(path),
        payload,
      }),
      port,
      '127.0.0.1',
    );
  });
}

describe('gateway: CoAP → MQTT + AMQP', () => {
  let gateway: Gateway;
  let conn: ChannelModel;
  let ch: Channel;
  const amqpReceived: ConsumeMessage[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      mqtt: { url: MOSQUITTO_URL },
      amqp: { url: RABBIT_URL },
      coap: { port: 0 },
      admin: { port: 0 },
    });
    conn = await amqp.connect(RABBIT_URL);
    ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'amq.topic', `${NONCE}.t.*`);
    await ch.consume(queue, (m) => m && amqpReceived.push(m), { noAck: true });
  });

  afterAll(async () => {
    await conn?.close();
    await gateway?.close();
  });

  it('a CoAP CON fleet through the gateway: every message reaches the MQTT observer and the AMQP queue exactly once, bytes intact', async () => {
    const DEVICES = 10;
    const MESSAGES = 30;
    const total = DEVICES * MESSAGES;
    // The observer subscribes to what the runner derives from the CoAP path: '<nonce>/t/+'. The
    // drain covers the last messages' two hops (gateway, then each broker) on a loaded machine.
    const scenario = writeScenario(
      'gateway-coap',
      `export default defineScenario({
      name: 'gateway-coap', duration: '20s', drain: '3s',
      fleets: { sensors: { count: ${DEVICES}, protocol: coap({ type: 'CON' }), path: '/${NONCE}/t/{id}', send: every('20ms'), messages: ${MESSAGES}, payload: bytes(48) } },
      observers: { dash: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] }, rabbit: { protocol: amqp(), receives: ['sensors'] } },
    });`,
    );
    const { result } = await run({
      scenario,
      workers: 1,
      write: false,
      targets: { coap: gateway.urls.coap!, mqtt: MOSQUITTO_URL, amqp: RABBIT_URL },
    });

    const sensors = result.fleets.sensors!;
    expect(sensors.messages.sent).toBe(total);
    expect(sensors.messages.acked).toBe(total);
    expect(sensors.coap!.responses).toEqual({ '2.04': total });
    // Both bridged hops, measured end to end by the stamps: CoAP → gateway → Mosquitto, CoAP → gateway → RabbitMQ.
    for (const observer of ['dash', 'rabbit']) {
      const d = result.delivery.find((x) => x.from === 'sensors' && x.to === observer)!;
      expect(d).toMatchObject({ expected: total, received: total, unique: total, lost: 0, duplicated: 0 });
      expect(d.latency.corrected.count).toBe(total);
    }

    await waitFor(() => amqpReceived.length >= total, { what: 'the AMQP queue to hold every message' });
    await waitFor(() => Object.values(gateway.stats().paths).every((p) => p.queued + p.inFlight === 0), {
      what: 'the gateway to be idle',
    });
    expect(amqpReceived).toHaveLength(total);
    const seen = new Set<string>();
    for (const m of amqpReceived) {
      const stamp = decodeStamp(m.content)!;
      expect(stamp).toBeDefined();
      expect(m.content.length).toBe(48);
      expect(m.fields.exchange).toBe('amq.topic');
      // The stamp's stream is the device: its routing key is the path with '/' → '.'.
      expect(m.fields.routingKey).toBe(`${NONCE}.t.${streamDevice(stamp.stream)}`);
      seen.add(`${stamp.stream}:${stamp.seq}`);
    }
    expect(seen.size).toBe(total);

    const s = gateway.stats();
    expect(s.coap).toMatchObject({ requests: total, accepted: total, unavailable: 0, rejected: 0 });
    for (const path of ['coap→mqtt', 'coap→amqp']) {
      expect(s.paths[path]).toMatchObject({
        received: total,
        forwarded: total,
        failed: 0,
        overflow: 0,
        refused: 0,
        abandoned: 0,
        queued: 0,
        inFlight: 0,
      });
    }
    // The same snapshot over the admin port.
    const remote = (await (await fetch(`${gateway.urls.admin}/stats`)).json()) as typeof s;
    expect(remote.paths['coap→amqp']!.forwarded).toBe(total);
  });

  it('an unroutable message (mandatory, no queue bound) comes back as basic.return and counts as failed on the AMQP path only', async () => {
    const before = gateway.stats().paths;
    const socket = createSocket('udp4');
    try {
      expect(
        (await post(socket, Number(new URL(gateway.urls.coap!).port), 7, `/${NONCE}/unrouted/1`, Buffer.from('lost?')))
          .code,
      ).toBe('2.04');
    } finally {
      socket.close();
    }
    await waitFor(
      () =>
        gateway.stats().paths['coap→amqp']!.inFlight === 0 &&
        gateway.stats().paths['coap→amqp']!.failed > before['coap→amqp']!.failed,
      { what: 'the AMQP outcome' },
    );
    await waitFor(() => gateway.stats().paths['coap→mqtt']!.forwarded > before['coap→mqtt']!.forwarded, {
      what: 'the MQTT outcome',
    });
    const after = gateway.stats().paths;
    // AMQP 0-9-1 §1.8.3.10: basic.return 312 NO_ROUTE, then the ack, which is not a forward.
    expect(after['coap→amqp']!.failed - before['coap→amqp']!.failed).toBe(1);
    expect(after['coap→amqp']!.forwarded).toBe(before['coap→amqp']!.forwarded);
    expect(after['coap→amqp']!.details['returned.312_NO_ROUTE']).toBe(1);
    expect(after['coap→mqtt']!.forwarded - before['coap→mqtt']!.forwarded).toBe(1);
  });

  it('answers 4.05 to GET, 4.00 to a path that is no topic name, and forwards nothing for them', async () => {
    const before = gateway.stats().paths['coap→mqtt']!.received;
    const socket = createSocket('udp4');
    const port = Number(new URL(gateway.urls.coap!).port);
    try {
      const get = await new Promise<ReturnType<typeof parse>>((resolve) => {
        socket.once('message', (b) => resolve(parse(b)));
        socket.send(
          generate({
            code: '0.01',
            confirmable: true,
            messageId: 1,
            token: Buffer.from([1]),
            options: pathOptions('/x'),
          }),
          port,
          '127.0.0.1',
        );
      });
      expect(get.code).toBe('4.05');
      const wildcard = await post(socket, port, 2, `/${NONCE}/+/x`, Buffer.from('no'));
      expect(wildcard.code).toBe('4.00');
    } finally {
      socket.close();
    }
    expect(gateway.stats().paths['coap→mqtt']!.received).toBe(before);
  });
});

/** A TCP relay to Mosquitto whose broker → gateway direction can be held: PUBACKs wait while held. */
async function holdableRelay(
  target: number,
): Promise<{ port: number; hold(on: boolean): void; cut(): void; close(): Promise<void> }> {
  let held = false;
  const waiting: { socket: Socket; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const broker = netConnect(target, '127.0.0.1');
    sockets.add(client).add(broker);
    client.on('data', (chunk) => broker.write(chunk));
    broker.on('data', (chunk) => (held ? waiting.push({ socket: client, chunk }) : client.write(chunk)));
    const end = (): void => {
      client.destroy();
      broker.destroy();
    };
    client.on('close', end).on('error', end);
    broker.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    hold(on) {
      held = on;
      if (!on) for (const w of waiting.splice(0)) w.socket.write(w.chunk);
    },
    /** Drops every connection (what was held is lost); new connections are relayed again. */
    cut() {
      held = false;
      waiting.length = 0;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('gateway: the CoAP → MQTT queue bound', () => {
  it('with PUBACKs held, exactly inflight + queue requests get 2.04, the rest 5.03 with Max-Age, all counted; releasing forwards every accepted one', async () => {
    const INFLIGHT = 2;
    const QUEUE = 5;
    const SENT = 20;
    const relay = await holdableRelay(1883);
    const gateway = await startGateway({
      mqtt: { url: `mqtt://127.0.0.1:${relay.port}`, qos: 1, inflight: INFLIGHT, queue: QUEUE },
      coap: { port: 0, retryAfterSec: 3 },
    });
    const watcher: MqttClient = await connectAsync(MOSQUITTO_URL, { clientId: `${NONCE}-watch` });
    const got: Buffer[] = [];
    watcher.on('message', (_t, p) => got.push(p));
    await watcher.subscribeAsync(`${NONCE}/burst/#`, { qos: 1 });
    const socket = createSocket('udp4');
    try {
      const port = Number(new URL(gateway.urls.coap!).port);
      relay.hold(true);
      const codes: string[] = [];
      for (let i = 0; i < SENT; i++) {
        const answer = await post(socket, port, 100 + i, `/${NONCE}/burst/${i}`, Buffer.from([i]));
        codes.push(answer.code);
        // RFC 7252 §5.9.3.4: 5.03 says when to try again.
        if (answer.code === '5.03') expect(decodeUint(option(answer, 'Max-Age'))).toBe(3);
      }
      const accepted = INFLIGHT + QUEUE;
      expect(codes.slice(0, accepted)).toEqual(Array(accepted).fill('2.04'));
      expect(codes.slice(accepted)).toEqual(Array(SENT - accepted).fill('5.03'));
      // A retransmission of a refused CON is a duplicate (§4.5): answered from the cache, not counted again.
      const again = await post(socket, port, 100 + SENT - 1, `/${NONCE}/burst/${SENT - 1}`, Buffer.from([SENT - 1]));
      expect(again.code).toBe('5.03');

      let s = gateway.stats();
      expect(s.coap).toMatchObject({ requests: SENT, accepted, unavailable: SENT - accepted });
      expect(s.coap!.codes.duplicate_suppressed).toBe(1);
      expect(s.paths['coap→mqtt']).toMatchObject({
        received: SENT,
        forwarded: 0,
        overflow: SENT - accepted,
        inFlight: INFLIGHT,
        queued: QUEUE,
        queueHighWater: QUEUE,
      });

      relay.hold(false);
      await waitFor(() => got.length >= accepted, { what: 'every accepted message at the broker' });
      await waitFor(() => gateway.stats().paths['coap→mqtt']!.inFlight === 0, { what: 'the gateway to be idle' });
      s = gateway.stats();
      const p = s.paths['coap→mqtt']!;
      expect(p).toMatchObject({ received: SENT, forwarded: accepted, overflow: SENT - accepted, failed: 0, queued: 0 });
      expect(p.received).toBe(p.forwarded + p.overflow);
      // The accepted ones, in order, and none of the refused (given a moment to show up, if any would).
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((b) => b[0])).toEqual([...Array(accepted).keys()]);
    } finally {
      socket.close();
      await watcher.endAsync();
      await gateway.close();
      await relay.close();
    }
  });

  it('with MQTT and AMQP, one full queue refuses the request for both: the full path counts overflow, the other a refusal', async () => {
    const relay = await holdableRelay(1883);
    const gateway = await startGateway({
      mqtt: { url: `mqtt://127.0.0.1:${relay.port}`, inflight: 1, queue: 1 },
      amqp: { url: RABBIT_URL, mandatory: false },
      coap: { port: 0 },
    });
    const socket = createSocket('udp4');
    try {
      const port = Number(new URL(gateway.urls.coap!).port);
      relay.hold(true);
      const codes: string[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await post(socket, port, 200 + i, `/${NONCE}/both/${i}`, Buffer.from([i]))).code);
      expect(codes).toEqual(['2.04', '2.04', '5.03', '5.03', '5.03']);
      await waitFor(() => gateway.stats().paths['coap→amqp']!.forwarded === 2, { what: 'AMQP confirms' });
      const s = gateway.stats();
      expect(s.paths['coap→mqtt']).toMatchObject({ received: 5, overflow: 3, refused: 0 });
      expect(s.paths['coap→amqp']).toMatchObject({ received: 5, forwarded: 2, overflow: 0, refused: 3 });
      relay.hold(false);
      const final = await gateway.close();
      expect(final.paths['coap→mqtt']).toMatchObject({ received: 5, forwarded: 2, overflow: 3, abandoned: 0 });
    } finally {
      socket.close();
      await gateway.close();
      await relay.close();
    }
  });
});

describe('gateway: AMQP connection loss', () => {
  it('unconfirmed messages are published again after the gateway reconnects: every message arrives, the extra copies are the counted republishes', async () => {
    const K = 8;
    const relay = await holdableRelay(5672);
    const gateway = await startGateway({
      amqp: { url: `amqp://guest:guest@127.0.0.1:${relay.port}` },
      coap: { port: 0 },
    });
    const conn = await amqp.connect(RABBIT_URL);
    const socket = createSocket('udp4');
    try {
      const ch = await conn.createChannel();
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, 'amq.topic', `${NONCE}.lost.*`);
      const got: string[] = [];
      await ch.consume(queue, (m) => m && got.push(m.content.toString()), { noAck: true });
      const port = Number(new URL(gateway.urls.coap!).port);
      // Confirms held: the broker routes the messages, the gateway never hears the acks.
      relay.hold(true);
      for (let i = 0; i < K; i++)
        expect((await post(socket, port, 300 + i, `/${NONCE}/lost/${i}`, Buffer.from(`m${i}`))).code).toBe('2.04');
      await waitFor(() => got.length === K, { what: 'the broker to route them' });
      expect(gateway.stats().paths['coap→amqp']!.inFlight).toBe(K);
      relay.cut();
      await waitFor(() => gateway.stats().paths['coap→amqp']!.forwarded === K, { what: 'the republished copies' });
      await waitFor(() => got.length === 2 * K, { what: 'every copy at the queue' });
      const p = gateway.stats().paths['coap→amqp']!;
      expect(p).toMatchObject({ received: K, forwarded: K, failed: 0, inFlight: 0, queued: 0 });
      expect(p.details).toMatchObject({ connection_lost: 1, reconnected: 1, republished: K });
      expect(new Set(got).size).toBe(K);
      expect(got.slice(K)).toEqual([...Array(K).keys()].map((i) => `m${i}`));
    } finally {
      socket.close();
      await conn.close();
      await gateway.close();
      await relay.close();
    }
  });
});
