// Webhook receivers: observers whose devices are HTTP servers (`listen`). An http fleet POSTs to
// one through the runner, judged like any delivery; a foreign client (node's own http) is
// received the same way.

import { existsSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { run } from '../../src/index.ts';
import { STAMP_BYTES, writeStamp } from '../../src/metrics/stamp.ts';
import type { DeviceEvents, ReceivedMessage } from '../../src/protocols/driver.ts';
import { HttpDevice } from '../../src/protocols/http/device.ts';
import { resolveHttpOptions } from '../../src/protocols/http/options.ts';
import type { HttpStats } from '../../src/protocols/http/stats.ts';
import { freePort } from '../helpers/brokers.ts';
import { DRAIN, TMP_DIR, writeScenario } from '../helpers/scenario.ts';
import { waitFor } from '../helpers/wait.ts';

const DEVICES = 3;
const MESSAGES = 20;
const TOTAL = DEVICES * MESSAGES;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port whose next `n - 1` ports are free too (listen device i takes port + i). */
async function freePorts(n: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = await freePort();
    if (base + n - 1 > 65535) continue;
    const free = await Promise.all(Array.from({ length: n - 1 }, (_, i) => canListen(base + 1 + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${n} consecutive free ports`);
}

describe('HTTP webhook receivers', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('http fleet → webhook observer: every POST received once, e2e latency for each, the endpoint answers 202', async () => {
    const port = await freePort();
    const file = writeScenario(
      'http-webhook',
      `export default defineScenario({
      name: 'http-webhook', duration: '10s', drain: '${DRAIN}',
      targets: { hook: 'http://127.0.0.1:${port}/hooks' },
      fleets: { alarms: { count: ${DEVICES}, protocol: http({ target: 'hook', headers: { 'X-Source': 'fleetbench' } }), path: '/alarm/{id}', send: every('20ms'), messages: ${MESSAGES}, payload: bytes(48) } },
      observers: { ops: { protocol: http({ listen: { port: ${port} }, status: 202 }), receives: ['alarms'] } },
    });`,
    );
    // One worker; endpoints and fleets split over two workers: the next test.
    const { result } = await run({ scenario: file, workers: 1, write: false });
    const f = result.fleets.alarms!;
    // Until preflight brings the scenario's own servers up first, it finds the endpoint not yet
    // listening and warns about alarms; in the run, servers start first and nothing fails.
    expect(f.devices).toMatchObject({ connects: DEVICES, connectFailed: 0 });
    expect(f.messages).toMatchObject({ sent: TOTAL, acked: TOTAL });
    expect((f as unknown as { http: HttpStats }).http).toMatchObject({
      responses: { '202': TOTAL },
      connections: DEVICES,
      timeouts: 0,
    });
    const d = result.delivery.find((x) => x.from === 'alarms' && x.to === 'ops')!;
    expect(d).toMatchObject({ mode: 'group', expected: TOTAL, received: TOTAL, unique: TOTAL, lost: 0, duplicated: 0 });
    expect(d.verdict.kept).toBe(true);
    expect(d.latency.corrected.count).toBe(TOTAL);
    expect(d.latency.service.count).toBe(TOTAL);
    const ops = result.fleets.ops!;
    expect(ops.messages.received).toBe(TOTAL);
    expect((ops as unknown as { http: HttpStats }).http).toMatchObject({
      role: 'server',
      requests: TOTAL,
      responses: { '202': TOTAL },
      connections: DEVICES,
    });
    // Every request carries the target's base path and the extra header (one-digit device ids).
    const head = `POST /hooks/alarm/0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nX-Source: fleetbench\r\nContent-Length: 48\r\n\r\n`;
    expect(f.bytes.sent).toBe(TOTAL * (head.length + 48));
    // The endpoint read what the fleet wrote and wrote what the fleet read.
    expect(ops.bytes.received).toBe(f.bytes.sent);
    expect(ops.bytes.sent).toBe(f.bytes.received);
    // Nothing was posted to the embedded server (the observer's unused default target).
    expect(result.fleets['http-server']).toBeUndefined();
  });

  it("two workers: every webhook device listens before any worker's fleet connects to it (3 runs, no connect failure)", async () => {
    // Device i of a group runs in worker i % 2, so the fleets of each worker post to endpoints
    // owned by both workers: servers must be up in every worker before any client connects.
    const HOOKS = 4;
    const PER_FLEET = 2;
    const EACH = 10;
    for (let runNo = 0; runNo < 3; runNo++) {
      const port = await freePorts(HOOKS);
      const hooks = Array.from({ length: HOOKS }, (_, i) => i);
      const file = writeScenario(
        'http-webhook-workers',
        `export default defineScenario({
        name: 'http-webhook-workers', duration: '10s', drain: '${DRAIN}',
        targets: { ${hooks.map((i) => `hook${i}: 'http://127.0.0.1:${port + i}/hooks'`).join(', ')} },
        fleets: { ${hooks.map((i) => `a${i}: { count: ${PER_FLEET}, protocol: http({ target: 'hook${i}' }), path: '/alarm/{id}', send: every('20ms'), messages: ${EACH}, payload: bytes(48) }`).join(', ')} },
        observers: { ops: { count: ${HOOKS}, protocol: http({ listen: { port: ${port} }, status: 202 }), receives: [${hooks.map((i) => `'a${i}'`).join(', ')}] } },
      });`,
      );
      const { result } = await run({ scenario: file, workers: 2, write: false });
      // The preflight brings up every endpoint device, so no fleet's target looks refused.
      expect(result.warnings, `run ${runNo}`).toEqual([]);
      expect(result.run.workers).toBe(2);
      for (const i of hooks) {
        const f = result.fleets[`a${i}`]!;
        expect(f.devices, `run ${runNo}, fleet a${i}`).toMatchObject({ connects: PER_FLEET, connectFailed: 0 });
        expect(f.messages, `run ${runNo}, fleet a${i}`).toMatchObject({
          sent: PER_FLEET * EACH,
          acked: PER_FLEET * EACH,
        });
        const d = result.delivery.find((x) => x.from === `a${i}` && x.to === 'ops')!;
        expect(d, `run ${runNo}, a${i} → ops`).toMatchObject({
          mode: 'group',
          expected: PER_FLEET * EACH,
          received: PER_FLEET * EACH,
          unique: PER_FLEET * EACH,
          lost: 0,
          duplicated: 0,
        });
      }
      const ops = result.fleets.ops!;
      expect(ops.devices, `run ${runNo}, ops`).toMatchObject({ connects: HOOKS, connectFailed: 0 });
      expect(ops.messages.received).toBe(HOOKS * PER_FLEET * EACH);
      expect((ops as unknown as { http: HttpStats }).http).toMatchObject({
        role: 'server',
        requests: HOOKS * PER_FLEET * EACH,
        responses: { '202': HOOKS * PER_FLEET * EACH },
        connections: HOOKS * PER_FLEET,
      });
    }
  });

  it("an abort while a worker waits for the other worker's endpoints: nothing more connects, the result is partial", async () => {
    const port = await freePorts(2);
    // 1/m over the whole run (connect-pacing.ts): endpoint 0 (worker 0) is up at once, endpoint 1
    // (worker 1) is due a minute later, so worker 0 waits for it before any fleet device connects.
    const file = writeScenario(
      'http-webhook-abort',
      `export default defineScenario({
      name: 'http-webhook-abort', duration: '10s', connectRate: '1/m',
      targets: { hook: 'http://127.0.0.1:${port}/hooks' },
      fleets: { alarms: { count: 2, protocol: http({ target: 'hook' }), path: '/alarm/{id}', send: every('20ms'), messages: 10, payload: bytes(48) } },
      observers: { ops: { count: 2, protocol: http({ listen: { port: ${port} } }), receives: ['alarms'] } },
    });`,
    );
    const abort = new AbortController();
    const { result } = await run({
      scenario: file,
      workers: 2,
      write: false,
      signal: abort.signal,
      // Endpoint 0 is up: worker 0 is at the barrier, worker 1 waits for its endpoint's slot.
      onProgress: (p) => {
        if (p.connected >= 1) abort.abort();
      },
    });
    expect(result.run).toMatchObject({ partial: true, workers: 2 });
    // Endpoint 1 was not brought up after the stop, nor was any fleet device.
    expect(result.fleets.ops!.devices).toMatchObject({ connects: 1, connectFailed: 0 });
    expect(result.fleets.alarms!.devices).toMatchObject({ connects: 0, connectFailed: 0 });
    expect(result.fleets.alarms!.messages.sent).toBe(0);
  });

  it('a worker that fails does not leave the other waiting for its endpoints: the run ends, partial, with its error counted', async () => {
    const port = await freePorts(2);
    const flag = join(TMP_DIR, `second-worker-${process.pid}-${port}`);
    // The scenario loads in the main thread and in each worker; the second worker to load it
    // throws, so only worker threads differ and exactly one fails.
    const file = writeScenario(
      'http-webhook-worker-fails',
      `import { isMainThread } from 'node:worker_threads';
    import { writeFileSync } from 'node:fs';
    if (!isMainThread) {
      try { writeFileSync(${JSON.stringify(flag)}, '', { flag: 'wx' }); } catch { throw new Error('this worker fails on purpose'); }
    }
    export default defineScenario({
      name: 'http-webhook-worker-fails', duration: '10s',
      targets: { hook: 'http://127.0.0.1:${port}/hooks' },
      fleets: { alarms: { count: 2, protocol: http({ target: 'hook' }), path: '/alarm/{id}', send: every('20ms'), messages: 10, payload: bytes(48) } },
      observers: { ops: { count: 2, protocol: http({ listen: { port: ${port} } }), receives: ['alarms'] } },
    });`,
    );
    cleanup.push(async () => rmSync(flag, { force: true }));
    // The failed worker's shard is lost, not the run: a partial result that counts worker.crashed.
    const { result, workerCrashed } = await run({ scenario: file, workers: 2, write: false });
    expect(workerCrashed).toBe(true);
    expect(result.run.partial).toBe(true);
    const crashed = result.errors.filter((e) => e.code === 'worker.crashed');
    expect(crashed.length).toBeGreaterThan(0);
    expect(crashed[0]?.message).toContain('this worker fails on purpose');
    expect(existsSync(flag)).toBe(true);
  });

  it('a foreign sender (node:http) POSTing to a listen device is received, with its path, body and exact bytes', async () => {
    const port = await freePort();
    const check = new Checker();
    const options = resolveHttpOptions({ listen: { port: port - 2 } }, 'test', check)!;
    expect(check.problems).toEqual([]);
    const messages: ReceivedMessage[] = [];
    const codes: string[] = [];
    const events: DeviceEvents = {
      onMessage: (m) => messages.push(m),
      onAck() {},
      onCode: (code) => codes.push(code),
      onError() {},
      onDisconnect() {},
      onInDoubt() {},
      onResend() {},
      onLatency() {},
    };
    // Device 2 of its group listens on listen.port + 2.
    const device = new HttpDevice(
      { url: 'http://127.0.0.1:1', index: 2, clientId: 'hook-2', options, connectTimeoutMs: 2000 },
      events,
    );
    await device.connect();
    cleanup.push(() => device.close());
    const body = Buffer.alloc(STAMP_BYTES + 20, 0x41);
    writeStamp(body, { stream: 5, seq: 9, intendedUs: 1, sentUs: 2 });
    const { status, written, read } = await new Promise<{ status: number; written: number; read: number }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/alerts/high-temp?x=1',
            headers: { 'Content-Type': 'application/json', Connection: 'close' },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, written: req.socket!.bytesWritten, read: req.socket!.bytesRead }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
    expect(status).toBe(204);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ topic: '/alerts/high-temp', retained: false });
    expect(messages[0]!.payload.equals(body)).toBe(true);
    expect(codes).toEqual(['tcp|accept', 'request|POST', 'response|204']);
    // The response has arrived whole; the device's counters settle as its socket callbacks run.
    await waitFor(() => device.bytes.sent === read && device.bytes.received === written, {
      what: "the device's byte counters to match the client socket's",
      detail: () => ({ device: device.bytes, client: { read, written } }),
    });
    expect(device.bytes).toEqual({ sent: read, received: written });
    // Receivers do not send.
    expect(device.send({ topic: '/x', payload: body, stamp: { stream: 0, seq: 0, intendedUs: 0, sentUs: 0 } })).toBe(
      'not_connected',
    );
  });
});
