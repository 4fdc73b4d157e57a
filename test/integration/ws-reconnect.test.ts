// WebSocket bridge devices losing their connection to a real hub (the fan-out on a ws.Server):
// a Close frame from the hub is a server disconnect with its close code, a reset seen through a
// forwarder is a reset, publishes left unanswered are in doubt, and connect() again plus
// subscribe() again receive again.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Checker } from '../../src/base/check.ts';
import { WsDevice } from '../../src/protocols/ws/device.ts';
import { WsFanout } from '../../src/protocols/ws/fanout.ts';
import { resolveWsOptions } from '../../src/protocols/ws/options.ts';
import { faultForwarder } from '../helpers/fault-forwarder.ts';
import { outgoing, type Recording, recorder } from '../helpers/recorder.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let ids = 0;
function device(url: string): [WsDevice, Recording] {
  const check = new Checker();
  const resolved = resolveWsOptions({}, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const rec = recorder();
  const d = new WsDevice(
    { url, index: 0, clientId: `ws-rc-${ids++}`, options: resolved, connectTimeoutMs: 5000 },
    rec.events,
  );
  cleanup.push(() => d.close());
  return [d, rec];
}

async function hub(): Promise<{ url: string; port: number; wss: WebSocketServer }> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http });
  const fanout = new WsFanout({});
  fanout.attach(wss);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  cleanup.push(() => {
    fanout.close();
    wss.close();
    http.closeAllConnections();
    http.close();
  });
  const port = (http.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, port, wss };
}

describe('WebSocket reconnect', () => {
  it("counts the hub's Close frame 1001 as server_disconnect, then connect() and subscribe() again receive again", async () => {
    const h = await hub();
    const [rx, rec] = device(h.url);
    const [tx] = device(h.url);
    await rx.connect();
    await rx.subscribe(['t/#']);
    await tx.connect();
    tx.send(outgoing('t/1', 0));
    await waitFor(() => rec.messages.length === 1, { what: 'the first message' });
    // Every connection the hub holds, rx's included, gets a Close frame.
    for (const client of h.wss.clients) client.close(1001, 'going away');
    await waitFor(() => rec.disconnects.length === 1, { what: 'the disconnect' });
    expect(rec.disconnects[0]).toMatchObject({ key: 'ws.closed_1001', cause: 'server_disconnect' });
    expect(rec.code('close|1001')).toBe(1);
    expect(rx.connected).toBe(false);
    await tx.connect();
    await rx.connect();
    await rx.subscribe(['t/#']);
    tx.send(outgoing('t/2', 1));
    await waitFor(() => rec.messages.length === 2, { what: 'a message after the reconnect' });
    expect(rec.messages[1]?.topic).toBe('t/2');
    expect(rec.disconnects).toHaveLength(1);
  });

  it('counts a reset as reset, and publishes left unanswered as in doubt', async () => {
    const h = await hub();
    const fwd = await faultForwarder(h.port);
    cleanup.push(() => fwd.close());
    const [rx, rxRec] = device(h.url);
    await rx.connect();
    await rx.subscribe(['r/#']);
    const [tx, rec] = device(fwd.url('ws'));
    await tx.connect();
    // The hub passes the publishes on, but its 'published' answers never reach the device.
    fwd.oneWay();
    for (let i = 0; i < 3; i++) expect(tx.send(outgoing('r/1', i))).toBe('sent');
    await waitFor(() => rxRec.messages.length === 3, { what: 'the 3 publishes at the receiver' });
    expect(rec.acks).toHaveLength(0);
    fwd.resetAll();
    await waitFor(() => rec.disconnects.length === 1, { what: 'the disconnect' });
    expect(rec.disconnects[0]).toMatchObject({ key: 'ws.ECONNRESET', cause: 'reset' });
    expect(rec.inDoubt).toBe(3);
    await tx.connect();
    expect(tx.send(outgoing('r/1', 3))).toBe('sent');
    await waitFor(() => rec.acks.length === 1, { what: "the 'published' answer after connect()" });
    expect(rec.inDoubt).toBe(3);
  });

  it('kill() leaves its unanswered publishes in doubt and connect() right after starts with an empty window', async () => {
    const h = await hub();
    const fwd = await faultForwarder(h.port);
    cleanup.push(() => fwd.close());
    const check = new Checker();
    const resolved = resolveWsOptions({ inflight: 2 }, 'test', check);
    if (!resolved) throw new Error(check.problems.join('\n'));
    const rec = recorder();
    const tx = new WsDevice(
      { url: fwd.url('ws'), index: 0, clientId: 'ws-rc-kill', options: resolved, connectTimeoutMs: 5000 },
      rec.events,
    );
    cleanup.push(() => tx.close());
    await tx.connect();
    fwd.oneWay();
    expect(tx.send(outgoing('k/1', 0))).toBe('sent');
    expect(tx.send(outgoing('k/1', 1))).toBe('sent');
    expect(tx.send(outgoing('k/1', 2))).toBe('window_full');
    tx.kill();
    expect(rec.inDoubt).toBe(2);
    fwd.resetAll();
    await tx.connect();
    expect(tx.send(outgoing('k/1', 3))).toBe('sent');
    await waitFor(() => rec.acks.length === 1, { what: 'an answer on the new connection' });
    expect(rec.disconnects).toHaveLength(0);
  });
});
