// HTTP devices losing their connection to a real node:http server mid-request: one disconnect
// with its cause (reset for an RST, closed for a FIN, error for a refused reconnect), the
// requests it had outstanding in doubt, and connect() again working.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { HTTP_CODES } from '../../src/protocols/http/codes.ts';
import { HttpDevice } from '../../src/protocols/http/device.ts';
import { type HttpOptions, resolveHttpOptions } from '../../src/protocols/http/options.ts';
import { freePort } from '../helpers/brokers.ts';
import { outgoing, type Recording, recorder } from '../helpers/recorder.ts';
import { waitFor } from '../helpers/wait.ts';

const C = HTTP_CODES.keys;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** /ok answers 204; /reset resets the connection (RST), /fin ends it (FIN), /hold never answers. */
async function server(): Promise<{ server: Server; port: number; requests: string[] }> {
  const requests: string[] = [];
  const s = createServer((req, res) => {
    requests.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url === '/reset') req.socket.resetAndDestroy();
      else if (req.url === '/fin') req.socket.destroy();
      else if (req.url === '/ok') res.writeHead(204).end();
    });
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  cleanup.push(() => {
    s.closeAllConnections();
    s.close();
  });
  return { server: s, port: (s.address() as { port: number }).port, requests };
}

function device(port: number, options: HttpOptions = {}): [HttpDevice, Recording] {
  const check = new Checker();
  const resolved = resolveHttpOptions(options, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const rec = recorder();
  const d = new HttpDevice(
    { url: `http://127.0.0.1:${port}`, index: 0, clientId: 'http-rc', options: resolved, connectTimeoutMs: 5000 },
    rec.events,
  );
  cleanup.push(() => d.close());
  return [d, rec];
}

describe('HTTP connection loss', () => {
  it('a reset mid-request is one disconnect (reset), the request is in doubt, and connect() again works', async () => {
    const s = await server();
    const [d, rec] = device(s.port, { keepAlive: true, inflight: 3 });
    await d.connect();
    // Pipelined: the server resets the connection on the first, the other two go unanswered with it.
    for (const path of ['/reset', '/ok', '/ok']) expect(d.send(outgoing(path, 0))).toBe('sent');
    await waitFor(() => rec.disconnects.length === 1, { what: 'the disconnect' });
    expect(rec.disconnects[0]).toMatchObject({ key: 'http.ECONNRESET', cause: 'reset' });
    expect(rec.inDoubt).toBe(3);
    expect(rec.code(C.http.connection_failed)).toBe(3);
    expect(rec.errors).toEqual([]);
    expect(d.connected).toBe(false);
    expect(d.send(outgoing('/ok', 1))).toBe('not_connected');
    await d.connect();
    expect(d.send(outgoing('/ok', 2))).toBe('sent');
    await waitFor(() => rec.acks.length === 1, { what: 'a response after connect()' });
    expect(rec.disconnects).toHaveLength(1);
  });

  it('a FIN mid-request is closed; without keepAlive too', async () => {
    const s = await server();
    for (const keepAlive of [true, false]) {
      const [d, rec] = device(s.port, { keepAlive });
      await d.connect();
      d.send(outgoing('/fin', 0));
      await waitFor(() => rec.disconnects.length === 1, { what: `the disconnect (keepAlive ${keepAlive})` });
      expect(rec.disconnects[0]).toMatchObject({ key: 'http.connection_closed', cause: 'closed' });
      expect(rec.inDoubt).toBe(1);
    }
  });

  it('an idle close is no loss, but a refused reconnect is: an error, the request failed and not in doubt', async () => {
    const s = await server();
    const [d, rec] = device(s.port, { keepAlive: true });
    await d.connect();
    d.send(outgoing('/ok', 0));
    await waitFor(() => rec.acks.length === 1, { what: 'the first response' });
    // The server goes away: the idle connection is closed (a FIN, nothing outstanding).
    s.server.close();
    s.server.closeAllConnections();
    await waitFor(() => rec.code(C.tcp.closed_by_server) === 1, { what: 'the idle close' });
    expect(rec.disconnects).toHaveLength(0);
    expect(d.connected).toBe(true);
    // The next request opens a new connection, which is refused.
    expect(d.send(outgoing('/ok', 1))).toBe('sent');
    await waitFor(() => rec.disconnects.length === 1, { what: 'the refused reconnect' });
    expect(rec.disconnects[0]).toMatchObject({ key: 'http.ECONNREFUSED', cause: 'error' });
    expect(rec.inDoubt).toBe(0);
    expect(rec.code(C.http.connection_failed)).toBe(1);
    await expect(d.connect()).rejects.toThrow(/ECONNREFUSED|refused/);
  });

  it('kill() with a request outstanding leaves it in doubt; connect() again works', async () => {
    const s = await server();
    const [d, rec] = device(s.port, { keepAlive: true });
    await d.connect();
    d.send(outgoing('/hold', 0));
    await waitFor(() => s.requests.includes('/hold'), { what: 'the request at the server' });
    d.kill();
    expect(rec.inDoubt).toBe(1);
    await d.connect();
    d.send(outgoing('/ok', 1));
    await waitFor(() => rec.acks.length === 1, { what: 'a response after connect()' });
    expect(rec.disconnects).toHaveLength(0);
  });

  it('a killed receiver listens on its port again at connect()', async () => {
    const port = await freePort();
    const [rx, rxRec] = device(0, { listen: { port } });
    await rx.connect();
    rx.kill();
    await rx.connect();
    const [tx, rec] = device(port, { keepAlive: true });
    await tx.connect();
    tx.send(outgoing('/hook', 0));
    await waitFor(() => rec.acks.length === 1 && rxRec.messages.length === 1, { what: 'the POST at the receiver' });
    expect(rxRec.messages[0]?.topic).toBe('/hook');
  });
});
