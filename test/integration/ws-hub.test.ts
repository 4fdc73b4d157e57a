// The WebSocket bridge client (WsDevice) and the hub's fan-out (WsFanout) over real sockets:
// filters and their validation, bytes counted exactly at the socket, the in-flight window,
// permessage-deflate, closes, and a slow consumer's overflow counted to the message.

import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { Checker } from '../../src/base/check.ts';
import { ErrorCodes, type FleetbenchError } from '../../src/base/errors.ts';
import { STAMP_BYTES, writeStamp } from '../../src/metrics/stamp.ts';
import type { DeviceEvents, OutgoingMessage, ReceivedMessage } from '../../src/protocols/driver.ts';
import { parseBridgeFrame } from '../../src/protocols/ws/bridge-protocol.ts';
import { WsDevice } from '../../src/protocols/ws/device.ts';
import { type EmbeddedHub, startEmbeddedWs } from '../../src/protocols/ws/embedded.ts';
import { WsFanout, type WsFanoutOptions } from '../../src/protocols/ws/fanout.ts';
import { resolveWsOptions, type WsOptions } from '../../src/protocols/ws/options.ts';
import { selfSignedCert } from '../helpers/brokers.ts';
import { eventually, uniq } from '../helpers/devices.ts';

interface Probe extends DeviceEvents {
  messages: ReceivedMessage[];
  acks: OutgoingMessage[];
  codes: Map<string, number>;
  errors: string[];
  disconnects: string[];
}

function probe(): Probe {
  const p: Probe = {
    messages: [],
    acks: [],
    codes: new Map(),
    errors: [],
    disconnects: [],
    onMessage: (m) => p.messages.push(m),
    onAck: (m) => p.acks.push(m),
    onCode: (code, count = 1) => p.codes.set(code, (p.codes.get(code) ?? 0) + count),
    onError: (key, message) => p.errors.push(`${key}: ${message}`),
    onDisconnect: (key, message) => p.disconnects.push(`${key}: ${message}`),
    onInDoubt: () => undefined,
    onResend: () => undefined,
    onLatency: () => undefined,
  };
  return p;
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function device(url: string, options: WsOptions = {}): { device: WsDevice; events: Probe } {
  const check = new Checker();
  const resolved = resolveWsOptions(options, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const events = probe();
  const d = new WsDevice(
    { url, index: 0, clientId: `ws-${uniq()}`, options: resolved, connectTimeoutMs: 3000 },
    events,
  );
  cleanup.push(() => d.close());
  return { device: d, events };
}

async function hub(): Promise<EmbeddedHub> {
  const h = await startEmbeddedWs();
  cleanup.push(() => h.close());
  return h;
}

/** A fan-out on its own server, handing out each accepted connection's server-side socket. */
async function ownHub(
  options: WsFanoutOptions = {},
): Promise<{ url: string; fanout: WsFanout; sockets: Socket[]; wss: WebSocketServer }> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http });
  const fanout = new WsFanout(options);
  fanout.attach(wss);
  const sockets: Socket[] = [];
  wss.on('connection', (_ws, req) => sockets.push(req.socket));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  cleanup.push(() => {
    fanout.close();
    wss.close();
    http.closeAllConnections();
    http.close();
  });
  return { url: `ws://127.0.0.1:${(http.address() as { port: number }).port}`, fanout, sockets, wss };
}

function message(topic: string, seq: number, size = 32, fill = 0x2e): OutgoingMessage {
  const payload = Buffer.alloc(STAMP_BYTES + size, fill);
  const stamp = { stream: 3, seq, intendedUs: 1_000, sentUs: 1_001 };
  writeStamp(payload, stamp);
  return { topic, payload, stamp };
}

describe('hub subscriptions and fan-out', () => {
  it('delivers once per client however many of its filters match, and stops after unsubscribe', async () => {
    const h = await hub();
    const rx = device(h.urls.default!);
    await rx.device.connect();
    await rx.device.subscribe(['fleet/+/gps', 'fleet/#', 'fleet/7/gps']);
    expect(rx.events.codes.get('subscribed|ok')).toBe(3);
    expect(h.fanout.stats.subscriptions).toBe(3);
    expect(h.fanout.publish('fleet/7/gps', Buffer.from('a'))).toBe(1);
    expect(h.fanout.publish('other/7/gps', Buffer.from('b'))).toBe(0);
    // [MQTT-4.7.2-1] a leading wildcard does not match a topic starting with '$'.
    expect(h.fanout.publish('$SYS/fleet', Buffer.from('c'))).toBe(0);
    await eventually(() => rx.events.messages.length === 1);
    expect(rx.events.messages[0]!.payload.toString()).toBe('a');
    expect(rx.events.messages[0]!.topic).toBe('fleet/7/gps');

    // Unsubscribe is not part of DriverDevice: speak the protocol directly.
    const raw = new WebSocket(h.urls.default!);
    cleanup.push(() => raw.terminate());
    await once(raw, 'open');
    const frames: string[] = [];
    raw.on('message', (d) => frames.push(d.toString()));
    raw.send(JSON.stringify({ type: 'subscribe', topic: 'x/+', id: 1 }));
    await eventually(() => frames.length === 1);
    raw.send(JSON.stringify({ type: 'unsubscribe', topic: 'x/+', id: 2 }));
    await eventually(() => frames.length === 2);
    expect(frames.map((f) => parseBridgeFrame(f))).toEqual([
      { type: 'subscribed', topic: 'x/+', id: 1 },
      { type: 'unsubscribed', topic: 'x/+', id: 2 },
    ]);
    expect(h.fanout.publish('x/1', Buffer.from('z'))).toBe(0);
    expect(h.fanout.filters().sort()).toEqual(['fleet/#', 'fleet/+/gps', 'fleet/7/gps']);
  });

  it('refuses a bad filter with bad_filter, naming the rule, and the subscribe rejects', async () => {
    const h = await hub();
    const d = device(h.urls.default!);
    await d.device.connect();
    const err = await d.device.subscribe(['ok/+', 'fleet/#/gps']).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(err?.code).toBe('ws.bad_filter');
    expect(err?.message).toMatch(
      /subscription to "fleet\/#\/gps" refused: bad_filter: topic filter "fleet\/#\/gps" has a '#' that is not the whole last level \(MQTT §4\.7\)/,
    );
    expect(d.events.codes.get('error|bad_filter')).toBe(1);
    expect(h.fanout.stats.errors).toEqual({ bad_filter: 1 });
    // The refused filter is not active; the good one is.
    expect(h.fanout.filters()).toEqual(['ok/+']);
  });

  it('answers bad requests with error frames and counts them: wildcard topic, bad base64, binary, not JSON', async () => {
    const h = await hub();
    const raw = new WebSocket(h.urls.default!);
    cleanup.push(() => raw.terminate());
    await once(raw, 'open');
    const frames: Record<string, unknown>[] = [];
    raw.on('message', (d) => frames.push(parseBridgeFrame(d.toString()) as unknown as Record<string, unknown>));
    raw.send(JSON.stringify({ type: 'publish', topic: 'a/+', payload: '', id: 1 }));
    raw.send(JSON.stringify({ type: 'publish', topic: 'a/b', payload: 'not base64!', id: 2 }));
    raw.send(Buffer.from([1, 2, 3]));
    raw.send('{oops');
    await eventually(() => frames.length === 4);
    expect(frames.map((f) => [f.type, f.code, f.id])).toEqual([
      ['error', 'bad_topic', 1],
      ['error', 'bad_request', 2],
      ['error', 'bad_request', undefined],
      ['error', 'bad_request', undefined],
    ]);
    expect(frames[0]!.message).toBe("topic \"a/+\" contains a wildcard ('+' or '#') (MQTT §3.3.2)");
    expect(h.fanout.stats).toMatchObject({
      framesReceived: 4,
      framesSent: 4,
      published: 0,
      errors: { bad_topic: 1, bad_request: 3 },
    });
  });
});

describe('the ws device', () => {
  it('publishes with ids, is acked per id, and counts every byte exactly as the server socket saw it', async () => {
    const h = await ownHub();
    const rx = device(h.url);
    const tx = device(h.url);
    await rx.device.connect();
    await rx.device.subscribe(['bytes/+']);
    await tx.device.connect();
    const before = tx.device.bytes.sent;
    const out = message('bytes/1', 0);
    expect(tx.device.send(out)).toBe('sent');
    // RFC 6455 §5.2: a client frame of 126…65535 bytes has a 2+2-byte header and a 4-byte mask; ≤125 bytes, 2 and 4.
    const text = JSON.stringify({ type: 'publish', topic: 'bytes/1', payload: out.payload.toString('base64'), id: 1 });
    expect(tx.device.bytes.sent - before).toBe(text.length + (text.length > 125 ? 4 : 2) + 4);
    await eventually(() => rx.events.messages.length === 1 && tx.events.acks.length === 1);
    expect(tx.events.acks[0]).toBe(out);
    expect(rx.events.messages[0]!.payload.equals(out.payload)).toBe(true);
    await tx.device.close();
    await rx.device.close();
    // Upgrade request and response, every frame header, the close handshake: what one side
    // wrote, the other read.
    await eventually(() => h.sockets.every((s) => s.destroyed));
    const [rxSock, txSock] = h.sockets as [Socket, Socket];
    expect(rx.device.bytes).toEqual({ sent: rxSock.bytesRead, received: rxSock.bytesWritten });
    expect(tx.device.bytes).toEqual({ sent: txSock.bytesRead, received: txSock.bytesWritten });
    expect(tx.events.codes.get('frame|sent')).toBe(1);
    expect(rx.events.codes.get('frame|received')).toBe(2);
  });

  it('keeps at most `inflight` publishes unanswered (window_full), and counts those never answered at close', async () => {
    // A bridge that takes frames and never answers.
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    cleanup.push(() => {
      wss.close();
      http.closeAllConnections();
      http.close();
    });
    const d = device(`ws://127.0.0.1:${(http.address() as { port: number }).port}`, { inflight: 2 });
    await d.device.connect();
    expect([0, 1, 2].map((i) => d.device.send(message('w/1', i)))).toEqual(['sent', 'sent', 'window_full']);
    await d.device.close();
    expect(d.events.codes.get('publish|unanswered')).toBe(2);
    expect(d.events.disconnects).toEqual([]);
    expect(d.device.send(message('w/1', 3))).toBe('not_connected');
  });

  it('negotiates permessage-deflate when asked (RFC 7692): fewer bytes on the wire, the payload intact', async () => {
    const h = await hub();
    const rx = device(h.urls.default!, { perMessageDeflate: true });
    const tx = device(h.urls.default!, { perMessageDeflate: true });
    await rx.device.connect();
    await rx.device.subscribe(['z/+']);
    await tx.device.connect();
    const before = { tx: tx.device.bytes.sent, rx: rx.device.bytes.received };
    const out = message('z/1', 0, 8192, 0);
    tx.device.send(out);
    await eventually(() => rx.events.messages.length === 1);
    expect(rx.events.messages[0]!.payload.equals(out.payload)).toBe(true);
    // 8 KiB of zeros is ~11 KiB of base64, which deflates to a few hundred bytes.
    expect(tx.device.bytes.sent - before.tx).toBeLessThan(1024);
    expect(rx.device.bytes.received - before.rx).toBeLessThan(1024);
  });

  it('reports a connection the bridge ends as a disconnect with its close code (RFC 6455 §7.4.1)', async () => {
    const h = await ownHub();
    const a = device(h.url);
    const b = device(h.url);
    await a.device.connect();
    await b.device.connect();
    const [first, second] = [...h.wss.clients];
    first!.close(1001, 'hub going away');
    second!.terminate();
    await eventually(() => a.events.disconnects.length === 1 && b.events.disconnects.length === 1);
    expect(a.events.disconnects[0]).toMatch(/^ws\.closed_1001: .*close code 1001: hub going away\)$/);
    expect(b.events.disconnects[0]).toMatch(/^ws\.closed_1006: /);
    expect(a.events.codes.get('close|1001')).toBe(1);
    expect(a.device.connected).toBe(false);
  });
});

describe('wss://', () => {
  it('connects with the CA given in tls.ca, counts the WebSocket bytes (before TLS), and refuses an unknown CA with a clear reason', async () => {
    const { cert, key } = selfSignedCert(mkdtempSync(join(tmpdir(), 'fb-wss-')));
    const https = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) });
    const wss = new WebSocketServer({ server: https });
    const fanout = new WsFanout();
    fanout.attach(wss);
    const sockets: Socket[] = [];
    wss.on('connection', (_ws, req) => sockets.push(req.socket));
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    cleanup.push(() => {
      fanout.close();
      https.closeAllConnections();
      https.close();
    });
    const url = `wss://127.0.0.1:${(https.address() as { port: number }).port}`;
    const refused = await device(url)
      .device.connect()
      .then(
        () => undefined,
        (e: unknown) => e as FleetbenchError,
      );
    expect(refused?.code).toBe(ErrorCodes.CONNECT_REFUSED);
    expect(refused?.message).toContain('cannot connect: self-signed certificate');
    const tx = device(url, { tls: { ca: cert } });
    await tx.device.connect();
    const before = tx.device.bytes.sent;
    const out = message('tls/1', 0);
    tx.device.send(out);
    await eventually(() => tx.events.acks.length === 1);
    const text = JSON.stringify({ type: 'publish', topic: 'tls/1', payload: out.payload.toString('base64'), id: 1 });
    expect(tx.device.bytes.sent - before).toBe(text.length + (text.length > 125 ? 4 : 2) + 4);
    await tx.device.close();
    await eventually(() => sockets[0]!.destroyed);
    expect(tx.device.bytes).toEqual({ sent: sockets[0]!.bytesRead, received: sockets[0]!.bytesWritten });
  });
});

describe('slow consumers', () => {
  it('a client that stops reading overflows its bounded buffer: every message is delivered or counted, the fast client gets all', async () => {
    const limit = 256 << 10;
    const h = await ownHub({ maxBufferedBytes: limit });
    const connect = async (): Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }> => {
      const ws = new WebSocket(h.url);
      cleanup.push(() => ws.terminate());
      await once(ws, 'open');
      const frames: Record<string, unknown>[] = [];
      ws.on('message', (d) => frames.push(parseBridgeFrame(d.toString()) as unknown as Record<string, unknown>));
      ws.send(JSON.stringify({ type: 'subscribe', topic: 'slow/+', id: 1 }));
      await eventually(() => frames.length === 1);
      return { ws, frames };
    };
    const slow = await connect();
    const fast = await connect();
    slow.ws.pause();
    // 400 × ~65 KiB ≈ 26 MB: far beyond what the kernel's socket buffers absorb for the paused client.
    const payload = Buffer.alloc(48 << 10, 7);
    const total = 400;
    for (let i = 0; i < total; i++) {
      h.fanout.publish('slow/1', payload);
      // Let the fast client read between bursts.
      if (i % 5 === 4) await new Promise((r) => setImmediate(r));
    }
    const stats = h.fanout.stats;
    expect(stats.overflow).toBeGreaterThan(0);
    expect(stats.delivered + stats.overflow).toBe(2 * total);
    await eventually(() => fast.frames.length === 1 + total);
    slow.ws.resume();
    const messages = (): number => slow.frames.filter((f) => f.type === 'message').length;
    const overflows = (): Record<string, unknown>[] => slow.frames.filter((f) => f.type === 'error');
    await eventually(() => messages() + overflows().length === total - stats.overflowUnreported);
    // Nothing silently dropped: what the slow client missed is the hub's overflow count, and
    // it was told about each one it could be told about.
    expect(messages()).toBe(total - stats.overflow);
    expect(overflows().length).toBe(stats.overflow - stats.overflowUnreported);
    expect(overflows().every((f) => f.code === 'overflow')).toBe(true);
    expect(stats.errors.overflow).toBe(overflows().length);
    expect(String(overflows()[0]!.message)).toMatch(
      new RegExp(
        `^a \\d+-byte message on slow/1 was not sent: \\d+ bytes already wait for this client \\(limit ${limit}\\)$`,
      ),
    );
    expect(fast.frames.filter((f) => f.type === 'message').length).toBe(total);
  });
});
