// Interop with a second, independent CoAP implementation: the `coap` npm package (node-coap).
// Our fleets against its server, and its client observing our embedded server.

import * as coapLib from 'coap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { startEmbeddedCoap } from '../../src/protocols/coap/embedded.ts';
import type { EmbeddedServer } from '../../src/protocols/driver.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';
import { waitFor } from '../helpers/wait.ts';

describe("fleetbench CoAP fleets against node-coap's server", () => {
  let server: ReturnType<typeof coapLib.createServer>;
  let port = 0;
  const bodies = new Map<string, number>();
  beforeAll(async () => {
    server = coapLib.createServer();
    server.on('request', (req, res) => {
      bodies.set(req.url, (bodies.get(req.url) ?? 0) + 1);
      res.code = '2.04';
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['CON', 'NON'] as const)(
    '%s POSTs: every request reaches the handler once and is answered 2.04',
    async (type) => {
      bodies.clear();
      const scenario = writeScenario(
        `node-coap-${type}`,
        `export default defineScenario({
      name: 'node-coap-${type}', duration: '5s', drain: '${DRAIN}',
      fleets: { s: { count: 4, protocol: coap({ type: '${type}' }), path: '/up/{id}', send: every('20ms'), messages: 10, payload: bytes(24) } },
    });`,
      );
      const { result } = await run({
        scenario,
        workers: 1,
        write: false,
        targets: { coap: `coap://127.0.0.1:${port}` },
      });
      const f = result.fleets.s!;
      expect(f.messages.acked).toBe(40);
      expect(f.coap!.responses).toEqual({ '2.04': 40 });
      expect([...bodies.values()].reduce((a, b) => a + b, 0)).toBe(40);
      expect([...bodies.keys()].sort()).toEqual(['/up/0', '/up/1', '/up/2', '/up/3']);
    },
  );
});

describe("node-coap's client against the embedded server", () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbeddedCoap();
  });
  afterAll(() => server.close());

  it('observes a resource and gets a notification for every PUT (RFC 7641)', async () => {
    const { port } = new URL(server.urls.default!);
    const agent = new coapLib.Agent({ type: 'udp4' });
    const seen: string[] = [];
    const observe = coapLib.request({
      hostname: '127.0.0.1',
      port: Number(port),
      pathname: '/room/1',
      observe: true,
      agent,
    });
    const stream = await new Promise<NodeJS.ReadableStream>((resolve) => {
      observe.on('response', (res: NodeJS.ReadableStream) => resolve(res));
      observe.end();
    });
    stream.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    for (const value of ['20.5', '21.0', '21.5']) {
      await new Promise<void>((resolve) => {
        const put = coapLib.request({
          hostname: '127.0.0.1',
          port: Number(port),
          pathname: '/room/1',
          method: 'PUT',
          agent,
        });
        put.on('response', () => resolve());
        put.end(value);
      });
    }
    await waitFor(() => ['20.5', '21.0', '21.5'].every((v) => seen.includes(v)), {
      what: 'a notification for every PUT',
      detail: () => seen,
    });
    (stream as unknown as { close(): void }).close();
    expect(seen).toEqual(expect.arrayContaining(['20.5', '21.0', '21.5']));
  });
});
