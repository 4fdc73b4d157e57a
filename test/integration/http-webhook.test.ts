// Webhook receivers: observers whose devices are HTTP servers (`listen`). An http fleet POSTs to
// one through the runner, judged like any delivery; a foreign client (node's own http) is
// received the same way.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { Checker } from '../../src/dsl/check.ts';
import { writeStamp, STAMP_BYTES } from '../../src/metrics/stamp.ts';
import type { DeviceEvents, ReceivedMessage } from '../../src/protocols/driver.ts';
import { HttpDevice } from '../../src/protocols/http/device.ts';
import { resolveHttpOptions } from '../../src/protocols/http/options.ts';
import type { HttpStats } from '../../src/protocols/http/stats.ts';
import { freePort } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';

const DEVICES = 3;
const MESSAGES = 20;
const TOTAL = DEVICES * MESSAGES;

describe('HTTP webhook receivers', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('http fleet → webhook observer: every POST received once, e2e latency for each, the endpoint answers 202', async () => {
    const port = await freePort();
    const file = writeScenario('http-webhook', `export default defineScenario({
      name: 'http-webhook', duration: '10s', drain: '300ms',
      targets: { hook: 'http://127.0.0.1:${port}/hooks' },
      fleets: { alarms: { count: ${DEVICES}, protocol: http({ target: 'hook', headers: { 'X-Source': 'fleetbench' } }), path: '/alarm/{id}', send: every('20ms'), messages: ${MESSAGES}, payload: bytes(48) } },
      observers: { ops: { protocol: http({ listen: { port: ${port} }, status: 202 }), receives: ['alarms'] } },
    });`);
    // One worker: servers start first only within a worker, so across workers a sender may
    // connect before the endpoint listens.
    const { result } = await run({ scenario: file, workers: 1, write: false });
    const f = result.fleets.alarms!;
    // Until preflight brings the scenario's own servers up first, it finds the endpoint not yet
    // listening and warns about alarms; in the run, servers start first and nothing fails.
    expect(f.devices).toMatchObject({ connects: DEVICES, connectFailed: 0 });
    expect(f.messages).toMatchObject({ sent: TOTAL, acked: TOTAL });
    expect((f as unknown as { http: HttpStats }).http).toMatchObject({ responses: { '202': TOTAL }, connections: DEVICES, timeouts: 0 });
    const d = result.delivery.find((x) => x.from === 'alarms' && x.to === 'ops')!;
    expect(d).toMatchObject({ mode: 'group', expected: TOTAL, received: TOTAL, unique: TOTAL, lost: 0, duplicated: 0 });
    expect(d.verdict.kept).toBe(true);
    expect(d.latency.corrected.count).toBe(TOTAL);
    expect(d.latency.service.count).toBe(TOTAL);
    const ops = result.fleets.ops!;
    expect(ops.messages.received).toBe(TOTAL);
    expect((ops as unknown as { http: HttpStats }).http).toMatchObject({ role: 'server', requests: TOTAL, responses: { '202': TOTAL }, connections: DEVICES });
    // Every request carries the target's base path and the extra header (one-digit device ids).
    const head = `POST /hooks/alarm/0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nX-Source: fleetbench\r\nContent-Length: 48\r\n\r\n`;
    expect(f.bytes.sent).toBe(TOTAL * (head.length + 48));
    // The endpoint read what the fleet wrote and wrote what the fleet read.
    expect(ops.bytes.received).toBe(f.bytes.sent);
    expect(ops.bytes.sent).toBe(f.bytes.received);
    // Nothing was posted to the embedded server (the observer's unused default target).
    expect(result.fleets['http-server']).toBeUndefined();
  });

  it('a foreign sender (node:http) POSTing to a listen device is received, with its path, body and exact bytes', async () => {
    const port = await freePort();
    const check = new Checker();
    const options = resolveHttpOptions({ listen: { port: port - 2 } }, 'test', check)!;
    expect(check.problems).toEqual([]);
    const messages: ReceivedMessage[] = [];
    const codes: string[] = [];
    const events: DeviceEvents = { onMessage: (m) => messages.push(m), onAck() {}, onCode: (p, c) => codes.push(`${p}|${c}`), onError() {}, onDisconnect() {}, onLatency() {} };
    // Device 2 of its group listens on listen.port + 2.
    const device = new HttpDevice({ url: 'http://127.0.0.1:1', index: 2, clientId: 'hook-2', options, connectTimeoutMs: 2000 }, events);
    await device.connect();
    cleanup.push(() => device.close());
    const body = Buffer.alloc(STAMP_BYTES + 20, 0x41);
    writeStamp(body, { stream: 5, seq: 9, intendedUs: 1, sentUs: 2 });
    const { status, written, read } = await new Promise<{ status: number; written: number; read: number }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/alerts/high-temp?x=1', headers: { 'Content-Type': 'application/json', Connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => setTimeout(() => resolve({ status: res.statusCode ?? 0, written: req.socket!.bytesWritten, read: req.socket!.bytesRead }), 20));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(204);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ topic: '/alerts/high-temp', retained: false });
    expect(messages[0]!.payload.equals(body)).toBe(true);
    expect(codes).toEqual(['tcp|accept', 'request|POST', 'response|204']);
    expect(device.bytes).toEqual({ sent: read, received: written });
    // Receivers do not send.
    expect(device.send({ topic: '/x', payload: body, stamp: { stream: 0, seq: 0, intendedUs: 0, sentUs: 0 } })).toBe('not_connected');
  });
});
