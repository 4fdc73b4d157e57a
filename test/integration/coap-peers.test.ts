// The CoAP test peers themselves, on real sockets: libcoap's example server and client, and the
// lossy forwarder that later tests put between a device and a server to force retransmissions.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coapHeader,
  type ForwardedDatagram,
  freeUdpPort,
  type LibcoapServer,
  runLibcoapClient,
  startLibcoapServer,
  startLossyForwarder,
} from '../helpers/coap-peers.ts';
import { waitFor, watchStalls } from '../helpers/wait.ts';

describe('coapHeader', () => {
  it('parses the fixed header of each message type', () => {
    // CON GET, token length 1, message ID 0x1234, token 0xab
    expect(coapHeader(Buffer.from([0x41, 0x01, 0x12, 0x34, 0xab]))).toEqual({
      type: 'CON',
      code: '0.01',
      messageId: 0x1234,
      tokenLength: 1,
    });
    // ACK 2.05 (0x45), token length 2
    expect(coapHeader(Buffer.from([0x62, 0x45, 0xff, 0xfe, 0x01, 0x02]))).toEqual({
      type: 'ACK',
      code: '2.05',
      messageId: 0xfffe,
      tokenLength: 2,
    });
    // NON 2.04 (0x44), RST empty, ACK 4.04 (0x84), 5.03 (0xa3)
    expect(coapHeader(Buffer.from([0x50, 0x44, 0x00, 0x07]))).toMatchObject({
      type: 'NON',
      code: '2.04',
      messageId: 7,
    });
    expect(coapHeader(Buffer.from([0x70, 0x00, 0x00, 0x00]))).toMatchObject({
      type: 'RST',
      code: '0.00',
      tokenLength: 0,
    });
    expect(coapHeader(Buffer.from([0x60, 0x84, 0x00, 0x01])).code).toBe('4.04');
    expect(coapHeader(Buffer.from([0x60, 0xa3, 0x00, 0x01])).code).toBe('5.03');
    expect(() => coapHeader(Buffer.from([0x40, 0x01, 0x00]))).toThrow(/at least 4 bytes/);
  });
});

/** The up/down entries of the log as `direction type code mid dropped` lines, for failure messages. */
const describeLog = (log: ForwardedDatagram[]): string =>
  log
    .map((d) => {
      const h = coapHeader(d.bytes);
      return `${d.direction}#${d.n} ${h.type} ${h.code} mid=${h.messageId}${d.dropped ? ' DROPPED' : ''} +${d.atMs.toFixed(0)}ms`;
    })
    .join('\n');

describe('libcoap peers', () => {
  let server: LibcoapServer;
  beforeAll(async () => {
    server = await startLibcoapServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts the example server and answers coap-client-notls', async () => {
    const r = await runLibcoapClient(['-m', 'get', '-B', '5', `${server.url}/.well-known/core`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('</time>;if="clock";rt="ticks"');
    expect(r.stdout).toContain('</example_data>');
  });

  it('rejects with the server output when the port is taken', async () => {
    const port = await freeUdpPort();
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(port, '127.0.0.1', () => resolve()));
    try {
      await expect(startLibcoapServer({ port })).rejects.toThrow(/did not come up[\s\S]*cannot create UDP endpoint/);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('kills coap-client-notls at the timeout', async () => {
    // A UDP socket that never answers: the client would wait (and retransmit) for 30 s.
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    try {
      const started = performance.now();
      const r = await runLibcoapClient(['-B', '30', `coap://127.0.0.1:${silent.address().port}/x`], 300);
      expect(r.code).toBeNull();
      // Killed by the helper after 300 ms, not ended by the client's own 30 s bound: far below 30 s
      // even when a busy machine is slow to start and reap the process.
      expect(performance.now() - started).toBeLessThan(15_000);
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('drops the first request upstream: the client retransmits the same message ID and gets its answer', async () => {
    const fwd = await startLossyForwarder({
      target: { host: '127.0.0.1', port: server.port },
      dropUpstream: (n) => n === 0,
    });
    const stalls = watchStalls();
    try {
      const r = await runLibcoapClient(['-m', 'get', '-B', '8', fwd.url('/.well-known/core')]);
      const stallMs = stalls.stop();
      const trace = `${describeLog(fwd.log)}\nthis thread's event loop stalled up to ${stallMs.toFixed(0)} ms`;
      expect(r.code, `${r.stderr}\n${trace}`).toBe(0);
      expect(r.stdout).toContain('</time>');

      const up = fwd.log.filter((d) => d.direction === 'up');
      const down = fwd.log.filter((d) => d.direction === 'down');
      expect(up.length, trace).toBe(2);
      const [first, second] = up as [ForwardedDatagram, ForwardedDatagram];
      expect(first).toMatchObject({ n: 0, dropped: true });
      expect(second).toMatchObject({ n: 1, dropped: false, client: first.client });
      const mid = coapHeader(first.bytes).messageId;
      expect(coapHeader(first.bytes)).toMatchObject({ type: 'CON', code: '0.01' });
      expect(coapHeader(second.bytes).messageId).toBe(mid);
      expect(second.bytes.equals(first.bytes)).toBe(true);
      // RFC 7252 §4.8: the first retransmission after ACK_TIMEOUT (2 s) * [1, ACK_RANDOM_FACTOR 1.5].
      // The forwarder timestamps both copies on this thread, each up to its measured stall late;
      // libcoap's timer can only fire late (200 ms allowed for a busy machine to schedule it).
      expect(second.atMs - first.atMs, trace).toBeGreaterThanOrEqual(2000 - 5 - stallMs);
      expect(second.atMs - first.atMs, trace).toBeLessThanOrEqual(3000 + 200 + 2 * stallMs);

      expect(down.length, trace).toBe(1);
      expect(down[0]).toMatchObject({ n: 0, dropped: false, client: first.client });
      expect(coapHeader(down[0]!.bytes)).toMatchObject({ type: 'ACK', code: '2.05', messageId: mid });
    } finally {
      stalls.stop();
      await fwd.close();
    }
  });

  it('drops the first answer downstream: the server answers the retransmission again', async () => {
    const fwd = await startLossyForwarder({
      target: { host: '127.0.0.1', port: server.port },
      dropDownstream: (n) => n === 0,
    });
    try {
      const r = await runLibcoapClient(['-m', 'get', '-B', '8', fwd.url('time')]);
      const trace = describeLog(fwd.log);
      expect(r.code, `${r.stderr}\n${trace}`).toBe(0);
      expect(r.stdout.trim()).not.toBe('');

      const up = fwd.log.filter((d) => d.direction === 'up');
      const down = fwd.log.filter((d) => d.direction === 'down');
      expect(
        up.map((d) => d.dropped),
        trace,
      ).toEqual([false, false]);
      expect(
        down.map((d) => d.dropped),
        trace,
      ).toEqual([true, false]);
      const mid = coapHeader(up[0]!.bytes).messageId;
      expect(up.map((d) => coapHeader(d.bytes).messageId)).toEqual([mid, mid]);
      for (const d of down) expect(coapHeader(d.bytes)).toMatchObject({ type: 'ACK', code: '2.05', messageId: mid });
    } finally {
      await fwd.close();
    }
  });

  it('gives each client its own upstream port and routes answers back to it', async () => {
    // An echo peer that records the source port of every datagram the forwarder sends it.
    const echo = createSocket('udp4');
    const seen: { port: number; text: string }[] = [];
    echo.on('message', (msg, from) => {
      seen.push({ port: from.port, text: msg.toString() });
      echo.send(Buffer.from(`echo ${msg.toString()}`), from.port, from.address);
    });
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', () => resolve()));
    const fwd = await startLossyForwarder({ target: { host: '127.0.0.1', port: echo.address().port } });
    const clients = [createSocket('udp4'), createSocket('udp4')];
    try {
      expect(fwd.url()).toBe(`coap://127.0.0.1:${fwd.port}`);
      expect(fwd.url('a/b')).toBe(`coap://127.0.0.1:${fwd.port}/a/b`);
      const received: string[][] = [[], []];
      await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.bind(0, '127.0.0.1', () => resolve()))));
      clients.forEach((c, i) => {
        c.on('message', (msg) => received[i]!.push(msg.toString()));
      });
      for (const round of [1, 2])
        for (const [i, c] of clients.entries()) c.send(`c${i} r${round}`, fwd.port, '127.0.0.1');
      await waitFor(() => received.flat().length >= 4, { what: 'four echoes', detail: () => received });

      expect(received).toEqual([
        ['echo c0 r1', 'echo c0 r2'],
        ['echo c1 r1', 'echo c1 r2'],
      ]);
      const portOf = (i: number): Set<number> =>
        new Set(seen.filter((d) => d.text.startsWith(`c${i} `)).map((d) => d.port));
      expect(portOf(0).size).toBe(1);
      expect(portOf(1).size).toBe(1);
      expect([...portOf(0)][0]).not.toBe([...portOf(1)][0]);
      expect(new Set(fwd.log.map((d) => d.client))).toEqual(
        new Set(clients.map((c) => `127.0.0.1:${c.address().port}`)),
      );
      expect(fwd.log.filter((d) => d.direction === 'up').map((d) => d.n)).toEqual([0, 1, 2, 3]);
      expect(fwd.log.filter((d) => d.direction === 'down').map((d) => d.n)).toEqual([0, 1, 2, 3]);
    } finally {
      await fwd.close();
      await Promise.all([echo, ...clients].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  });
});
