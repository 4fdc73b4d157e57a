// HTTP telemetry fleets through the real runner: every POST/PUT delivered once to the server,
// connections as keepAlive says, and request/response bytes proven exact against counts taken
// outside the driver (a counting TCP forwarder, the server's own socket counters, and the
// request text computed here).
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { run } from '../../src/index.ts';
import { decodeStamp } from '../../src/metrics/stamp.ts';
import type { DeviceEvents, EmbeddedServer, OutgoingMessage, ReceivedMessage } from '../../src/protocols/driver.ts';
import { HttpDevice } from '../../src/protocols/http/device.ts';
import { startEmbeddedHttp } from '../../src/protocols/http/embedded.ts';
import { resolveHttpOptions } from '../../src/protocols/http/options.ts';
import type { HttpStats } from '../../src/protocols/http/stats.ts';
import { selfSignedCert } from '../helpers/brokers.ts';
import { eventually } from '../helpers/devices.ts';
import { countingForwarder } from '../helpers/forwarder.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

const DEVICES = 4;
const MESSAGES = 25;
const TOTAL = DEVICES * MESSAGES;
const SIZE = 40;

/** The exact request fleetbench must write: request line, Host, Content-Type, Content-Length, body (RFC 9112 §3). */
function requestLength(method: string, path: string, authority: string, size: number, keepAlive: boolean): number {
  const head = `${method} ${path} HTTP/1.1\r\nHost: ${authority}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n${keepAlive ? '' : 'Connection: close\r\n'}\r\n`;
  return Buffer.byteLength(head) + size;
}

/** A scenario with one fleet of `http({ <options> })` sensors. */
function scenario(name: string, options: string): string {
  return writeScenario(
    name,
    `export default defineScenario({
    name: '${name}', duration: '10s', drain: '${DRAIN}',
    fleets: { meters: { count: ${DEVICES}, protocol: http({ ${options} }), path: '/telemetry/{id}', send: every('10ms'), messages: ${MESSAGES}, payload: bytes(${SIZE}) } },
  });`,
  );
}

describe('HTTP telemetry through the runner', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('embedded server: every POST delivered once to the sink, one persistent connection per device, bytes equal on both ends', async () => {
    const { result } = await run({ scenario: scenario('http-embedded', ''), workers: 2, write: false });
    const f = result.fleets.meters!;
    expect(f.messages).toMatchObject({ sent: TOTAL, acked: TOTAL });
    const h = (f as unknown as { http: HttpStats }).http;
    expect(h).toMatchObject({
      role: 'client',
      requests: TOTAL,
      responses: { '204': TOTAL },
      connections: DEVICES,
      timeouts: 0,
      connectionFailures: 0,
    });
    const d = result.delivery.find((x) => x.from === 'meters' && x.to === 'http-server')!;
    expect(d).toMatchObject({ expected: TOTAL, received: TOTAL, unique: TOTAL, lost: 0, duplicated: 0 });
    expect(d.promise).toEqual({
      label: 'HTTP request/response (acknowledged by the response, not retried)',
      short: 'HTTP request/response',
      noLoss: false,
      noDuplicates: true,
    });
    expect(d.latency.corrected.count).toBe(TOTAL);
    expect(f.latency.ack!.corrected.count).toBe(TOTAL);
    // The request text is known up to the embedded server's port (one-digit device ids).
    const authority = /http:\/\/(127\.0\.0\.1:\d+)/.exec(result.targets.http!)![1]!;
    const request = requestLength('POST', '/telemetry/0', authority, SIZE, true);
    expect(f.bytes.sent).toBe(TOTAL * request);
    expect(h.bytesPerRequest).toBe(request);
    // The server's socket counters saw exactly what the devices counted, in both directions.
    const server = result.fleets['http-server']!;
    expect(server.kind).toBe('server');
    expect(server.messages.received).toBe(TOTAL);
    expect(server.bytes.received).toBe(f.bytes.sent);
    expect(server.bytes.sent).toBe(f.bytes.received);
    const s = (server as unknown as { http: HttpStats }).http;
    expect(s).toMatchObject({ role: 'server', requests: TOTAL, responses: { '204': TOTAL }, connections: DEVICES });
    expect(s.bytesPerResponse).toBe(h.bytesPerResponse);
  });

  for (const keepAlive of [true, false]) {
    it(`keepAlive ${keepAlive}: bytes match a counting forwarder exactly; connections = ${keepAlive ? 'devices' : 'requests'}`, async () => {
      const server = await startEmbeddedHttp();
      cleanup.push(() => server.close());
      const received = attachCounter(server);
      const fwd = await countingForwarder(Number(new URL(server.urls.default!).port));
      cleanup.push(() => fwd.close());
      const method = keepAlive ? 'POST' : 'PUT';
      const { result } = await run({
        scenario: scenario(`http-fwd-${keepAlive}`, `keepAlive: ${keepAlive}, method: '${method}'`),
        workers: 1,
        write: false,
        targets: { http: fwd.url },
      });
      const f = result.fleets.meters!;
      expect(f.messages).toMatchObject({ sent: TOTAL, acked: TOTAL });
      expect(received.count).toBe(TOTAL);
      expect(received.stamped).toBe(TOTAL);
      const h = (f as unknown as { http: HttpStats }).http;
      // PUT: 201 Created the first time each device's path is written, 204 after (RFC 9110 §9.3.4).
      expect(h.responses).toEqual(keepAlive ? { '204': TOTAL } : { '201': DEVICES, '204': TOTAL - DEVICES });
      expect(h.connections).toBe(keepAlive ? DEVICES : TOTAL);
      // What crossed the forwarder is what the devices counted, byte for byte.
      expect(f.bytes.sent).toBe(fwd.counts.up);
      expect(f.bytes.received).toBe(fwd.counts.down);
      expect(f.bytes.sent).toBe(TOTAL * requestLength(method, '/telemetry/0', new URL(fwd.url).host, SIZE, keepAlive));
      expect(server.sink!.bytes).toEqual({ sent: fwd.counts.down, received: fwd.counts.up });
      // The preflight's connection, one per device from connect(), and (without keepAlive) one per request.
      expect(fwd.counts.connections).toBe(1 + DEVICES + (keepAlive ? 0 : TOTAL));
      expect(result.codes['meters|tcp|probe'] ?? 0).toBe(keepAlive ? 0 : DEVICES);
    });
  }

  it('https with a CA file: requests acknowledged over TLS, bytes counted as plaintext HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-https-'));
    const { cert, key } = selfSignedCert(dir);
    let bodies = 0;
    const server = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
      req.resume();
      req.on('end', () => {
        bodies++;
        res.writeHead(202, { 'Content-Length': '0' }).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(async () => {
      server.closeAllConnections();
      server.close();
    });
    const port = (server.address() as { port: number }).port;
    const file = scenario('http-tls', `tls: { ca: ${JSON.stringify(cert)} }`);
    const { result } = await run({
      scenario: file,
      workers: 1,
      write: false,
      targets: { http: `https://127.0.0.1:${port}` },
    });
    const f = result.fleets.meters!;
    expect(bodies).toBe(TOTAL);
    expect(f.messages.acked).toBe(TOTAL);
    const h = (f as unknown as { http: HttpStats }).http;
    expect(h.responses).toEqual({ '202': TOTAL });
    expect(h.connections).toBe(DEVICES);
    expect(f.bytes.sent).toBe(TOTAL * requestLength('POST', '/telemetry/0', `127.0.0.1:${port}`, SIZE, true));
  });
});

describe('HTTP device: pipelining and persistent connections', () => {
  it('inflight 8 with keepAlive: eight requests pipelined on one connection (RFC 9112 §9.3.2), the ninth refused as window_full, all answered in order', async () => {
    const server = await startEmbeddedHttp();
    const got = attachCounter(server);
    const acks: OutgoingMessage[] = [];
    const codes: string[] = [];
    const events: DeviceEvents = {
      onMessage() {},
      onAck: (m) => acks.push(m),
      onCode: (code) => codes.push(code),
      onError() {},
      onDisconnect() {},
      onInDoubt() {},
      onResend() {},
      onLatency() {},
    };
    const check = new Checker();
    const d = new HttpDevice(
      {
        url: server.urls.default!,
        index: 0,
        clientId: 'pipe',
        options: resolveHttpOptions({ inflight: 8 }, 'test', check)!,
        connectTimeoutMs: 2000,
      },
      events,
    );
    try {
      await d.connect();
      const sent = Array.from(
        { length: 8 },
        (_, seq): OutgoingMessage => ({
          topic: `/p/${seq}`,
          payload: Buffer.alloc(SIZE, seq),
          stamp: { stream: 1, seq, intendedUs: 0, sentUs: 0 },
        }),
      );
      for (const m of sent) expect(d.send(m)).toBe('sent');
      expect(d.send({ ...sent[0]!, topic: '/p/9' })).toBe('window_full');
      await eventually(() => acks.length === 8);
      expect(acks).toEqual(sent);
      expect(got.count).toBe(8);
      expect(codes.filter((c) => c === 'tcp|connect')).toHaveLength(1);
      expect(d.send({ ...sent[0]!, topic: '/p/9' })).toBe('sent');
      await eventually(() => acks.length === 9);
    } finally {
      await d.close();
      await server.close();
    }
  });
});

/** Counts what a server started by the test receives, and how many bodies carry a stamp. */
function attachCounter(server: EmbeddedServer): { count: number; stamped: number } {
  const c = { count: 0, stamped: 0 };
  server.sink!.attach({
    onMessage: (m: ReceivedMessage) => {
      c.count++;
      if (m.payload.length === SIZE && decodeStamp(m.payload)) c.stamped++;
    },
    onCode: () => undefined,
    onError: () => undefined,
  });
  return c;
}
