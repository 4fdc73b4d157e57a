// MQTT alerts → gateway → HTTP webhook, with Mosquitto and a webhook the test hosts: exact
// counts and bytes, keep-alive and the concurrency bound, retries that succeed, retries that
// run out (failed), and a queue that overflows while the webhook does not answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../src/index.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { waitFor } from '../helpers/wait.ts';

const NONCE = `gw${process.pid}x${Date.now().toString(36)}`;

interface Hit {
  body: Buffer;
  topic: string | undefined;
  contentType: string | undefined;
}

/** A webhook on a free port; `answer` decides each response (it may hold it by not calling end). */
async function webhook(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const hits: Hit[] = [];
  let connections = 0;
  let active = 0;
  let peakActive = 0;
  const server: Server = createServer((req, res) => {
    active++;
    peakActive = Math.max(peakActive, active);
    res.on('finish', () => active--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      hits.push({
        body,
        topic: req.headers['x-mqtt-topic'] as string | undefined,
        contentType: req.headers['content-type'],
      });
      answer(req, res, body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    hits,
    get connections() {
      return connections;
    },
    get peakActive() {
      return peakActive;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('gateway: MQTT alerts → HTTP webhook', () => {
  let publisher: MqttClient;
  beforeAll(async () => {
    publisher = await connectAsync(MOSQUITTO_URL, { clientId: `${NONCE}-pub` });
  });
  afterAll(() => publisher?.endAsync());

  async function publishAll(prefix: string, n: number): Promise<Buffer[]> {
    const sent: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      // Binary payloads with every byte value: the webhook must get them exactly.
      const payload = Buffer.from([i & 0xff, 0x00, 0xff, 0x7f, (i >> 8) & 0xff, ...Buffer.from(`alert-${i}`)]);
      sent.push(payload);
      await publisher.publishAsync(`${prefix}/${i % 5}`, payload, { qos: 1 });
    }
    return sent;
  }

  it('every alert POSTed once with its exact bytes, octet-stream and its topic, over at most `concurrency` keep-alive connections', async () => {
    const N = 200;
    const hook = await webhook((_req, res) => setTimeout(() => res.writeHead(204).end(), 2));
    let gateway: Gateway | undefined;
    try {
      gateway = await startGateway({
        mqtt: { url: MOSQUITTO_URL },
        webhook: { url: hook.url, subscribe: `${NONCE}/a/#`, concurrency: 4 },
      });
      // Not forwarded: outside the alerts filter.
      await publisher.publishAsync(`${NONCE}/other/1`, Buffer.from('no'), { qos: 1 });
      const sent = await publishAll(`${NONCE}/a`, N);
      await waitFor(() => gateway!.stats().paths['mqtt→webhook']!.forwarded >= N, {
        what: 'every alert at the webhook',
      });
      expect(hook.hits).toHaveLength(N);
      const byBody = new Map(hook.hits.map((h) => [h.body.toString('hex'), h]));
      sent.forEach((payload, i) => {
        const hit = byBody.get(payload.toString('hex'));
        expect(hit, `alert ${i}`).toBeDefined();
        expect(hit!.topic).toBe(`${NONCE}/a/${i % 5}`);
        expect(hit!.contentType).toBe('application/octet-stream');
      });
      expect(hook.peakActive).toBeLessThanOrEqual(4);
      expect(hook.connections).toBeLessThanOrEqual(4);
      expect(gateway.stats().paths['mqtt→webhook']).toMatchObject({
        received: N,
        forwarded: N,
        failed: 0,
        overflow: 0,
        queued: 0,
        inFlight: 0,
      });
    } finally {
      await gateway?.close();
      await hook.close();
    }
  });

  it('a webhook answering 503: each alert is tried 1 + retries times, then counted as failed', async () => {
    const N = 5;
    const RETRIES = 2;
    const hook = await webhook((_req, res) => res.writeHead(503).end('busy'));
    let gateway: Gateway | undefined;
    try {
      gateway = await startGateway({
        mqtt: { url: MOSQUITTO_URL },
        webhook: { url: hook.url, subscribe: `${NONCE}/f/#`, retries: RETRIES, retryDelayMs: 10 },
      });
      await publishAll(`${NONCE}/f`, N);
      await waitFor(() => gateway!.stats().paths['mqtt→webhook']!.failed >= N, { what: 'every alert to fail' });
      const p = gateway.stats().paths['mqtt→webhook']!;
      expect(p).toMatchObject({ received: N, forwarded: 0, failed: N, inFlight: 0 });
      expect(p.details).toEqual({ status_503: N * (1 + RETRIES), retries: N * RETRIES });
      expect(hook.hits).toHaveLength(N * (1 + RETRIES));
    } finally {
      await gateway?.close();
      await hook.close();
    }
  });

  it('a webhook that fails each first attempt: the retry delivers, nothing counts as failed', async () => {
    const N = 20;
    const tried = new Set<string>();
    const hook = await webhook((_req, res, body) => {
      const key = body.toString('hex');
      const first = !tried.has(key);
      tried.add(key);
      res.writeHead(first ? 500 : 200).end();
    });
    let gateway: Gateway | undefined;
    try {
      gateway = await startGateway({
        mqtt: { url: MOSQUITTO_URL },
        webhook: { url: hook.url, subscribe: `${NONCE}/r/#`, retryDelayMs: 5 },
      });
      await publishAll(`${NONCE}/r`, N);
      await waitFor(() => gateway!.stats().paths['mqtt→webhook']!.forwarded >= N, { what: 'every alert delivered' });
      const p = gateway.stats().paths['mqtt→webhook']!;
      expect(p).toMatchObject({ received: N, forwarded: N, failed: 0 });
      expect(p.details).toEqual({ status_500: N, retries: N });
      expect(hook.hits).toHaveLength(2 * N);
    } finally {
      await gateway?.close();
      await hook.close();
    }
  });

  it('a webhook that does not answer: 1 in flight + the queue are kept, the rest overflow (counted); stopping abandons what is left (counted)', async () => {
    const N = 10;
    const QUEUE = 3;
    const held: ServerResponse[] = [];
    const hook = await webhook((_req, res) => held.push(res));
    let gateway: Gateway | undefined;
    try {
      gateway = await startGateway({
        mqtt: { url: MOSQUITTO_URL },
        drainMs: 100,
        webhook: { url: hook.url, subscribe: `${NONCE}/o/#`, concurrency: 1, queue: QUEUE, timeoutMs: 30_000 },
      });
      await publishAll(`${NONCE}/o`, N);
      await waitFor(() => gateway!.stats().paths['mqtt→webhook']!.received >= N, {
        what: 'every alert at the gateway',
      });
      expect(gateway.stats().paths['mqtt→webhook']).toMatchObject({
        received: N,
        inFlight: 1,
        queued: QUEUE,
        overflow: N - 1 - QUEUE,
        queueHighWater: QUEUE,
      });
      // Release the first: the next queued one goes out. (The gateway counts it in flight once
      // sent; the webhook holds it once the body has arrived, which may be a moment later.)
      await waitFor(() => held.length === 1, { what: 'the first request held at the webhook' });
      held.shift()!.writeHead(204).end();
      await waitFor(() => hook.hits.length === 2, { what: 'the second request' });
      const final = await gateway.close();
      expect(final.paths['mqtt→webhook']).toMatchObject({
        received: N,
        forwarded: 1,
        overflow: N - 1 - QUEUE,
        abandoned: QUEUE,
        failed: 0,
      });
      const p = final.paths['mqtt→webhook']!;
      expect(p.received).toBe(p.forwarded + p.failed + p.overflow + p.abandoned);
    } finally {
      await gateway?.close();
      await hook.close();
    }
  });
});
