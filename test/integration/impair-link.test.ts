// The proxy alone, between sockets opened here: the rate limit paces a byte stream, and a
// datagram blackhole drops exactly what crosses it while the counts still add up.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ImpairProxy, startImpairProxy } from '../../src/impair/proxy.ts';
import type { ImpairSpec } from '../../src/impair/spec.ts';
import { nowUs } from '../../src/metrics/clock.ts';
import { waitFor } from '../helpers/wait.ts';

const SPEC: ImpairSpec = { latencyMs: 0, jitterMs: 0, loss: 0, bandwidthBytesPerS: 0, blackholes: [], resetsAtMs: [] };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('impairment proxy between plain sockets', () => {
  it('paces a byte stream at the rate limit, every byte delivered in order', async () => {
    let received = Buffer.alloc(0);
    let doneUs = 0;
    const total = 150_000;
    const sink = createServer((s) =>
      s.on('data', (d: Buffer) => {
        received = Buffer.concat([received, d]);
        if (received.length === total) doneUs = nowUs();
      }),
    );
    sink.listen(0, '127.0.0.1');
    await once(sink, 'listening');
    cleanups.push(() => sink.close());
    const proxy: ImpairProxy = await startImpairProxy({
      spec: { ...SPEC, bandwidthBytesPerS: 100_000 },
      transport: 'tcp',
      target: { host: '127.0.0.1', port: (sink.address() as { port: number }).port },
      seed: 1,
    });
    cleanups.push(() => proxy.stop());
    const client = connect(proxy.port, '127.0.0.1');
    await once(client, 'connect');
    cleanups.push(() => client.destroy());
    const data = Buffer.from(Array.from({ length: total }, (_, i) => i % 251));
    const startUs = nowUs();
    client.write(data);
    await waitFor(() => received.length === total, { timeoutMs: 20_000 });
    // 150 kB at 100 kB/s: never sooner than 1.5 s (a late timer only makes it later).
    expect((doneUs - startUs) / 1e6).toBeGreaterThanOrEqual(1.49);
    expect(received.equals(data)).toBe(true);
    const r = await proxy.stop();
    expect(r.stream).toMatchObject({ connections: 1, bytesUp: total, bytesDown: 0, resets: 0 });
  });

  it('drops the datagrams sent into a blackhole, and counts each datagram once', async () => {
    const echo = createSocket('udp4');
    echo.on('message', (m, from) => echo.send(m, from.port, from.address));
    echo.bind(0, '127.0.0.1');
    await once(echo, 'listening');
    cleanups.push(() => echo.close());
    const proxy = await startImpairProxy({
      spec: { ...SPEC, blackholes: [{ atMs: 300, forMs: 400 }] },
      transport: 'udp',
      target: { host: '127.0.0.1', port: echo.address().port },
      seed: 1,
    });
    cleanups.push(() => proxy.stop());
    const client = createSocket('udp4');
    const back: string[] = [];
    client.on('message', (m) => back.push(m.toString()));
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    cleanups.push(() => client.close());
    const startUs = nowUs();
    proxy.start(startUs);
    const sentAt: number[] = [];
    for (let i = 0; i < 40; i++) {
      sentAt.push((nowUs() - startUs) / 1000);
      client.send(`m${i}`, proxy.port, '127.0.0.1');
      client.send(`m${i}`, proxy.port, '127.0.0.1'); // a repeat
      await new Promise((r) => setTimeout(r, 25));
    }
    // The last one, sent well after the window, coming back means everything before it is through.
    await waitFor(() => back.includes('m39'), { timeoutMs: 5000 });
    const r = await proxy.stop();
    const up = r.datagram!.up;
    expect(up.received).toBe(80);
    expect(up.repeats).toBe(40);
    expect(up.forwarded + up.lost + up.blackholed).toBe(80);
    expect(up.lost).toBe(0);
    // Sent well inside the window: dropped; well outside it: through (the edges depend on timing).
    const inside = sentAt.filter((t) => t > 320 && t < 680).length;
    const outside = sentAt.filter((t) => t < 280 || t > 720).length;
    expect(up.blackholed).toBeGreaterThanOrEqual(2 * inside);
    expect(up.blackholed).toBeLessThanOrEqual(80 - 2 * outside);
    expect(r.datagram!.down.received).toBe(up.forwarded);
    expect(back.length).toBe(r.datagram!.down.forwarded);
    expect(r.blackholedMs).toBe(400);
  });
});
