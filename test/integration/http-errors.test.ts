// HTTP mistakes and faults: an unreachable target through the real CLI (clear message, reason
// code, no stack), invalid options named by field path, and a server that answers 503 or never
// answers, counted by status and as timeouts without failing the run.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { HttpStats } from '../../src/protocols/http/stats.ts';
import { freePort } from '../helpers/brokers.ts';
import { DRAIN, runCli, writeScenario } from '../helpers/scenario.ts';

const NO_STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

function sensors(name: string, options: string, messages = 10): string {
  return writeScenario(
    name,
    `export default defineScenario({
    name: '${name}', duration: '5s', drain: '${DRAIN}',
    fleets: { s: { count: 2, protocol: http({ ${options} }), path: '/t/{id}', send: every('20ms'), messages: ${messages}, payload: bytes(24) } },
  });`,
  );
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('HTTP errors', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('an unreachable target fails fast through the CLI with ECONNREFUSED and no stack', async () => {
    const port = await freePort();
    const r = await runCli(['run', sensors('http-refused', ''), '--target', `http=http://127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`http://127.0.0.1:${port}: cannot connect: connection refused (ECONNREFUSED)`);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('names every invalid option by its field path', async () => {
    const file = writeScenario(
      'http-bad',
      `export default defineScenario({
      name: 'http-bad', duration: '1s',
      fleets: { s: { count: 1, protocol: http({ method: 'GET', inflight: 0, timeout: 'soon', status: 99, keepAlive: 'yes', headers: { 'Content-Length': '5', 'Bad Name': 'x', 'X-Ok': 'a\\r\\nb' }, listen: { port: 70000 }, clientId: 'x' } as never), path: '/t', send: every('1s') },
        t: { count: 1, protocol: http(), path: 'no-slash', send: every('1s') } },
    });`,
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    for (const line of [
      `fleets.s.protocol.method: expected one of "POST", "PUT", got "GET"`,
      'fleets.s.protocol.inflight: expected a positive integer, got 0',
      `fleets.s.protocol.timeout: expected a positive duration like '30s' or '250ms', got "soon"`,
      'fleets.s.protocol.status: expected an integer from 200 to 599, got 99',
      'fleets.s.protocol.keepAlive: expected true or false, got "yes"',
      'fleets.s.protocol.headers.Content-Length: is written by fleetbench',
      'fleets.s.protocol.headers.Bad Name: expected a header name made of token characters (RFC 9110 §5.1), got "Bad Name"',
      'fleets.s.protocol.headers.X-Ok: expected a string without CR or LF',
      'fleets.s.protocol.listen.port: expected at most 65535, got 70000',
      'fleets.s.protocol.clientId: unknown field',
      `fleets.t.path: expected a resource path starting with '/', e.g. '/telemetry/{id}', got "no-slash"`,
    ])
      expect(r.stderr).toContain(line);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('a server answering 503 is counted by status and as errors; nothing is acknowledged', async () => {
    const { url, server } = await serve((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' }).end('overloaded'));
    });
    servers.push(server);
    const { result } = await run({
      scenario: sensors('http-503', ''),
      workers: 1,
      write: false,
      targets: { http: url },
    });
    const f = result.fleets.s!;
    expect(f.messages).toMatchObject({ sent: 20, acked: 0 });
    const h = (f as unknown as { http: HttpStats }).http;
    expect(h).toMatchObject({ requests: 20, responses: { '503': 20 }, connections: 2, timeouts: 0 });
    expect(result.errors.find((e) => e.code === 'http.status_503')).toMatchObject({ group: 's', count: 20 });
    expect(f.latency.ack).toBeUndefined();
  });

  it('a server that ends persistent connections every 5 requests (Connection: close): the device reopens, nothing lost', async () => {
    const { url, server } = await serve((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    // node answers the 5th request of a connection with Connection: close (RFC 9112 §9.6).
    server.maxRequestsPerSocket = 5;
    servers.push(server);
    const { result } = await run({
      scenario: sensors('http-close', '', 20),
      workers: 1,
      write: false,
      targets: { http: url },
    });
    const f = result.fleets.s!;
    expect(f.messages).toMatchObject({ sent: 40, acked: 40 });
    const h = (f as unknown as { http: HttpStats }).http;
    expect(h).toMatchObject({
      requests: 40,
      responses: { '204': 40 },
      connections: 8,
      connectionFailures: 0,
      timeouts: 0,
    });
    expect(result.errors).toEqual([]);
  });

  it('a server that never answers: requests time out, are counted, and the device reconnects for the next one', async () => {
    let requests = 0;
    const { url, server } = await serve((req) => {
      requests++;
      req.resume();
    });
    servers.push(server);
    const { result } = await run({
      scenario: sensors('http-timeout', "timeout: '100ms'", 3),
      workers: 1,
      write: false,
      targets: { http: url },
    });
    const f = result.fleets.s!;
    const h = (f as unknown as { http: HttpStats }).http;
    // inflight 1: each request waits out its timeout before the next can go; a timed-out
    // request's connection is closed (its late response could not be matched), so each request
    // after the first opens a new one.
    expect(f.messages).toMatchObject({ sent: 6, acked: 0 });
    expect(h).toMatchObject({ requests: 6, responses: {}, timeouts: 6, connections: 6 });
    expect(requests).toBe(6);
    expect(result.errors.find((e) => e.code === 'http.timeout')).toMatchObject({ count: 6 });
  });
});
