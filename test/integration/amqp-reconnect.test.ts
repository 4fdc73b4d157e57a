// AMQP 0-9-1 devices losing their connection to the machine's RabbitMQ through a TCP forwarder
// that resets or blackholes it: one disconnect per loss with its cause, no basic.nack the broker
// never sent, connect() again re-declares the topology, republishes what was unconfirmed (the
// broker's own queue count shows the duplicates) and re-consumes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { AMQP_CODES } from '../../src/protocols/amqp/codes.ts';
import { AmqpDevice } from '../../src/protocols/amqp/device.ts';
import { type AmqpOptions, resolveAmqpOptions } from '../../src/protocols/amqp/options.ts';
import { type FaultForwarder, faultForwarder } from '../helpers/fault-forwarder.ts';
import { outgoing, type Recording, recorder } from '../helpers/recorder.ts';
import { waitFor } from '../helpers/wait.ts';

const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';
const C = AMQP_CODES.keys;
const tag = randomBytes(4).toString('hex');

let fwd: FaultForwarder;
let admin: ChannelModel;
let ch: Channel;
const devices: AmqpDevice[] = [];
const queues: string[] = [];

beforeAll(async () => {
  fwd = await faultForwarder(5672);
  admin = await amqplib.connect(RABBITMQ);
  ch = await admin.createChannel();
});
afterAll(async () => {
  for (const d of devices) d.kill();
  for (const q of queues) await ch.deleteQueue(q).catch(() => undefined);
  await admin.close().catch(() => undefined);
  await fwd.close();
});

function device(clientId: string, options: AmqpOptions, url = fwd.url('amqp', 'guest:guest')): [AmqpDevice, Recording] {
  const check = new Checker();
  const resolved = resolveAmqpOptions(options, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const rec = recorder();
  const d = new AmqpDevice({ url, index: 0, clientId, options: resolved, connectTimeoutMs: 5000 }, rec.events);
  devices.push(d);
  return [d, rec];
}

/** A queue outside the forwarder that counts what RabbitMQ routed, independently of the device. */
async function countingQueue(key: string): Promise<string> {
  const q = `fbtest.reconnect.${tag}.${queues.length}`;
  queues.push(q);
  await ch.assertQueue(q, { durable: false, autoDelete: false });
  await ch.bindQueue(q, 'amq.topic', key);
  return q;
}

const ready = async (q: string): Promise<number> => (await ch.checkQueue(q)).messageCount;

describe('AMQP reconnect through a resetting forwarder', () => {
  it('reports one reset, no nacks, and republishes the unconfirmed publishes after connect()', async () => {
    const topic = `fbtest.${tag}.confirm`;
    const q = await countingQueue(topic);
    const [pub, rec] = device(`fb-${tag}-pub`, { confirm: true, inflight: 100 });
    await pub.connect();
    // The broker routes every publish, but its confirms never come back: all 40 stay unconfirmed.
    fwd.oneWay();
    const sent = Array.from({ length: 40 }, (_, i) => outgoing(topic, i));
    for (const m of sent) expect(pub.send(m)).toBe('sent');
    await waitFor(async () => (await ready(q)) === 40, { what: '40 publishes routed to the counting queue' });
    expect(rec.acks).toHaveLength(0);
    fwd.resetAll();
    await waitFor(() => rec.disconnects.length > 0, { what: 'the disconnect' });
    expect(rec.disconnects).toHaveLength(1);
    expect(rec.disconnects[0]?.cause).toBe('reset');
    expect(pub.connected).toBe(false);
    expect(pub.send(outgoing(topic, 99))).toBe('not_connected');
    // Pending confirms failed by amqplib when the channel died are not the broker's basic.nack.
    expect(rec.code(C.confirm.nack)).toBe(0);
    expect(rec.code(C.confirm.unconfirmed_at_close)).toBe(0);
    expect(rec.inDoubt).toBe(0);

    await pub.connect();
    expect(rec.resent).toBe(40);
    await waitFor(() => rec.acks.length === 40, { what: 'the 40 republished publishes confirmed' });
    // The acks are for the original messages, once each.
    expect(new Set(rec.acks)).toEqual(new Set(sent));
    // RabbitMQ's own count: each message twice, the first copy routed before the reset.
    await waitFor(async () => (await ready(q)) === 80, { what: '80 messages in the counting queue' });
    expect(rec.disconnects).toHaveLength(1);
    expect(rec.code(C.confirm.ack)).toBe(40);
    await pub.close();
    expect(rec.inDoubt).toBe(0);
  });

  it('republishes after kill() too, and a lost transaction is in doubt, not acked', async () => {
    const topic = `fbtest.${tag}.kill`;
    const q = await countingQueue(topic);
    const [pub, rec] = device(`fb-${tag}-kill`, { confirm: true });
    await pub.connect();
    fwd.oneWay();
    for (let i = 0; i < 10; i++) pub.send(outgoing(topic, i));
    await waitFor(async () => (await ready(q)) === 10, { what: '10 publishes routed' });
    pub.kill();
    expect(rec.disconnects).toHaveLength(0);
    fwd.resetAll();
    await pub.connect();
    expect(rec.resent).toBe(10);
    await waitFor(() => rec.acks.length === 10, { what: '10 confirms after connect()' });
    await pub.close();

    // tx: nothing is committed before the reset (batch 100, no delay reached): the five are in doubt.
    const [txd, txr] = device(`fb-${tag}-tx`, { tx: { batch: 100, maxDelay: '60s' } });
    await txd.connect();
    for (let i = 0; i < 5; i++) expect(txd.send(outgoing(topic, i))).toBe('sent');
    fwd.resetAll();
    await waitFor(() => txr.disconnects.length === 1, { what: 'the disconnect' });
    expect(txr.inDoubt).toBe(5);
    expect(txr.resent).toBe(0);
    expect(txr.code(C.tx.commit_failed)).toBe(0);
    await txd.close();
  });

  it('re-declares a server-named exclusive queue and re-consumes after a reset', async () => {
    const topic = `fbtest.${tag}.consume`;
    const [sub, rec] = device(`fb-${tag}-sub`, {});
    await sub.connect();
    await sub.subscribe([topic]);
    const publish = (n: number, from: number): void => {
      for (let i = 0; i < n; i++) ch.publish('amq.topic', topic, Buffer.from(`c${from + i}`));
    };
    publish(5, 0);
    await waitFor(() => rec.messages.length === 5, { what: '5 deliveries before the reset' });
    fwd.resetAll();
    await waitFor(() => rec.disconnects.length === 1, { what: 'the disconnect' });
    expect(rec.disconnects[0]?.cause).toBe('reset');
    await sub.connect();
    // The runner subscribes again after every reconnect: one consumer, not two.
    await sub.subscribe([topic]);
    publish(5, 5);
    await waitFor(() => rec.messages.length >= 10, { what: '5 more deliveries after connect()' });
    ch.publish('amq.topic', topic, Buffer.from('last'));
    await waitFor(() => rec.messages.some((m) => m.payload.toString() === 'last'), { what: 'the last message' });
    const payloads = rec.messages.map((m) => m.payload.toString());
    expect(payloads).toEqual([...Array.from({ length: 10 }, (_, i) => `c${i}`), 'last']);
    expect(rec.disconnects).toHaveLength(1);
    await sub.close();
  });

  it('counts a missed heartbeat in a blackhole as keepalive_timeout, and connects again once healed', async () => {
    const [d, rec] = device(`fb-${tag}-hb`, { heartbeat: '1s' });
    await d.connect();
    fwd.blackhole();
    try {
      await waitFor(() => rec.disconnects.length > 0, { what: 'the heartbeat timeout' });
    } finally {
      fwd.heal();
    }
    expect(rec.disconnects).toEqual([
      expect.objectContaining({ key: 'amqp.heartbeat_timeout', cause: 'keepalive_timeout' }),
    ]);
    await d.connect();
    expect(d.connected).toBe(true);
    await d.close();
    expect(rec.disconnects).toHaveLength(1);
  });
});

describe('AMQP broker goodbyes', () => {
  it("counts the broker's connection.close as server_disconnect with its reply code", async () => {
    const name = `fb-${tag}-forced`;
    const [d, rec] = device(name, {}, RABBITMQ);
    await d.connect();
    // rabbitmqctl close_connection sends connection.close 320 CONNECTION_FORCED.
    const pid = await waitFor(
      async () =>
        (await rabbitmqctl(['list_connections', '--no-table-headers', 'pid', 'client_properties']))
          .split('\n')
          .find((l) => l.includes(name))
          ?.split('\t')[0],
      { what: 'the connection in rabbitmqctl list_connections' },
    );
    await rabbitmqctl(['close_connection', pid, 'fleetbench test']);
    await waitFor(() => rec.disconnects.length > 0, { what: 'the disconnect' });
    expect(rec.disconnects).toEqual([expect.objectContaining({ key: 'amqp.320', cause: 'server_disconnect' })]);
    expect(rec.code(C.connection_close.of(320))).toBe(1);
    await d.connect();
    expect(d.connected).toBe(true);
    await d.close();
  });

  it('a channel closed by the broker (404 on publish) is an error, not a disconnect: the channel is reopened', async () => {
    const [d, rec] = device(`fb-${tag}-404`, { exchange: `fbtest.${tag}.missing`, confirm: true });
    await d.connect();
    expect(d.send(outgoing('x', 1))).toBe('sent');
    await waitFor(() => rec.code(C.channel.reopened) === 1, { what: 'the reopened channel' });
    expect(rec.errors.some((e) => e.startsWith('amqp.404:'))).toBe(true);
    expect(rec.disconnects).toHaveLength(0);
    // The publish that closed the channel is not republished (it would close the next one too).
    expect(rec.inDoubt).toBe(1);
    expect(rec.code(C.confirm.nack)).toBe(0);
    expect(d.connected).toBe(true);
    await d.close();
  });
});

function rabbitmqctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', ...args], { timeout: 30_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}
