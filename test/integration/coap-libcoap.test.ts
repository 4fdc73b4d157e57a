// CoAP interop with real libcoap 4.3.1 processes, in both directions, through the real runner:
//  A. fleetbench devices as clients (and an observer) of libcoap's example server
//     coap-server-notls: GET, PUT, Block2, Block1, Observe with deregistration;
//  B. libcoap's coap-client-notls as a client of fleetbench's virtual sensors (`serve`): GET,
//     /.well-known/core discovery, and Observe.
// The resources and answers of the libcoap server are described in test/helpers/coap-peers.ts.
//
// Against the libcoap server, each behaviour is a group of its own (a fleet or an observer) on a
// resource of its own, and every check below reads that group's figures: the groups of a server
// share one run, so a suite costs one run's start-up and drain instead of one per test (/time is
// only read; /example_data is written by one group, and only read on the fresh server; each
// Block1 device writes its own /upload/{id}). The three suites are concurrent
// (`describe.concurrent`, with the test's own `expect`; test/vitest.config.ts).

import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { RunResult } from '../../src/result/types.ts';
import { freeUdpPorts, type LibcoapServer, runLibcoapClient, startLibcoapServer } from '../helpers/coap-peers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';
import { WAIT_TIMEOUT_MS } from '../helpers/wait.ts';

/** Runs a scenario body (everything inside defineScenario({...})) against `url`. */
async function runAgainst(name: string, body: string, url: string): Promise<RunResult> {
  const scenario = writeScenario(name, `export default defineScenario({ name: '${name}', ${body} });`);
  const { result } = await run({ scenario, workers: 1, write: false, targets: { coap: url } });
  return result;
}

/** The fleet's CoAP block, which every CoAP group has; `expect` is the calling test's own. */
function coapOf(expect: ExpectStatic, result: RunResult, fleet: string) {
  const f = result.fleets[fleet];
  expect(f, `fleet ${fleet} in the result`).toBeDefined();
  expect(f!.coap, `coap stats of ${fleet}`).toBeDefined();
  return f!.coap!;
}

describe.concurrent('fleetbench → libcoap coap-server-notls', () => {
  let server: LibcoapServer;
  let result: RunResult;
  beforeAll(async () => {
    // -d 10: PUTs may create resources (the Block1 group writes its own).
    server = await startLibcoapServer({ args: ['-d', '10'] });
    // The observer must name a sending fleet of its protocol: a slow GET of /time (ticker) stands in.
    result = await runAgainst(
      'coap-lib-client',
      `duration: '3s', drain: '${DRAIN}',
       fleets: {
         clock: { count: 3, protocol: coap({ method: 'GET' }), path: '/time', send: every('100ms'), messages: 5 },
         writer: { count: 2, protocol: coap({ type: 'CON', method: 'PUT' }), path: '/example_data', send: every('100ms'), messages: 5, payload: bytes(40) },
         big: { count: 2, protocol: coap({ type: 'CON', method: 'PUT' }), path: '/upload/{id}', send: every('200ms'), messages: 3, payload: bytes(3000) },
         ticker: { count: 1, protocol: coap({ method: 'GET' }), path: '/time', send: every('1s') },
       },
       observers: { obs: { protocol: coap(), subscribe: '/time', receives: ['ticker'] } },`,
      server.url,
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('GET /time: every request is answered 2.05', ({ expect }) => {
    const f = result.fleets.clock!;
    const c = coapOf(expect, result, 'clock');
    expect(result.run.partial).toBe(false);
    expect(f.messages.sent).toBe(15);
    expect(f.messages.acked).toBe(15);
    expect(c.responses).toEqual({ '2.05': 15 });
    expect(c.timeouts).toBe(0);
    expect(c.resets).toBe(0);
    expect(c.abandoned).toBe(0);
    // /time is short text: no block-wise transfer.
    expect(c.blocks.block2Received).toBe(0);
  });

  it('CON PUT /example_data: every request is answered (2.01 once, then 2.04 Changed)', ({ expect }) => {
    const f = result.fleets.writer!;
    const c = coapOf(expect, result, 'writer');
    expect(f.messages.sent).toBe(10);
    expect(f.messages.acked).toBe(10);
    // libcoap answers the first PUT to /example_data after its start 2.01 Created and every later
    // one 2.04 Changed (checked with coap-client-notls); no other test writes /example_data here.
    expect(c.responses).toEqual({ '2.01': 1, '2.04': 9 });
    expect(c.timeouts).toBe(0);
    expect(c.retransmissions).toBe(0);
    expect(c.blocks.block1Sent).toBe(0);
  });

  it('Block1: a 3000-byte PUT goes as three 1024-byte blocks', ({ expect }) => {
    const f = result.fleets.big!;
    const c = coapOf(expect, result, 'big');
    expect(f.messages.sent).toBe(6);
    expect(f.messages.acked).toBe(6);
    // Blocks 0 and 1 (1024 bytes, M set) are answered 2.31 Continue, block 2 (952 bytes) finishes it.
    expect(c.blocks.block1Sent).toBe(3 * 6);
    // Each device's first PUT creates its resource (2.01), the later ones replace it (2.04).
    expect(c.responses).toEqual({ '2.01': 2, '2.04': 4 });
    expect(c.timeouts).toBe(0);
    // One CON per block, each acknowledged by a piggybacked response.
    expect(c.datagrams.sent).toBe(3 * 6);
    expect(c.datagrams.received).toBe(3 * 6);
  });

  it('Observe /time: registers, receives the per-second notifications, deregisters at the end', ({ expect }) => {
    const o = result.fleets.obs!;
    const c = coapOf(expect, result, 'obs');
    expect(c.observe.registered).toBeGreaterThanOrEqual(1);
    // libcoap notifies /time once a second (CON): about 3 over the send phase.
    expect(c.observe.notifications).toBeGreaterThanOrEqual(2);
    expect(o.messages.received).toBeGreaterThanOrEqual(2);
    // The clock text carries no fleetbench stamp.
    expect(o.messages.unstamped).toBeGreaterThanOrEqual(2);
    // At the end the observer cancelled with GET Observe: 1 (RFC 7641 §3.6), answered by libcoap.
    expect(c.observe.deregistered).toBeGreaterThanOrEqual(1);
    expect(c.observe.endedByServer).toBe(0);
    expect(result.fleets.ticker!.messages.acked).toBe(result.fleets.ticker!.messages.sent);
  });
});

describe.concurrent('fleetbench → libcoap: Block2 from a fresh server', () => {
  let server: LibcoapServer;
  let result: RunResult;
  beforeAll(async () => {
    // A server of its own: /example_data still holds its initial 1500 bytes, which both groups only read.
    server = await startLibcoapServer();
    result = await runAgainst(
      'coap-lib-block2',
      `duration: '10s', drain: '${DRAIN}',
       fleets: {
         reader: { count: 2, protocol: coap({ method: 'GET', blockSize: 64 }), path: '/example_data', send: every('300ms'), messages: 3 },
         ticker: { count: 1, protocol: coap({ method: 'GET' }), path: '/time', send: every('1s'), messages: 1 },
       },
       observers: { big: { protocol: coap(), receives: ['ticker'], subscribe: '/example_data' } },`,
      server.url,
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('GET /example_data with blockSize 64 comes back in ceil(1500/64) = 24 blocks per request', ({ expect }) => {
    const f = result.fleets.reader!;
    const c = coapOf(expect, result, 'reader');
    const blocks = Math.ceil(1500 / 64);
    expect(f.messages.sent).toBe(6);
    expect(f.messages.acked).toBe(6);
    expect(c.blocks.block2Received).toBe(blocks * 6);
    // One response per request, counted once the last block arrived.
    expect(c.responses).toEqual({ '2.05': 6 });
    expect(c.timeouts).toBe(0);
    expect(c.datagrams.sent).toBe(blocks * 6);
  });

  it('Observe a 1500-byte resource: registration goes block-wise, with Observe on the first block only (RFC 7959 §2.6)', ({
    expect,
  }) => {
    const c = coapOf(expect, result, 'big');
    expect(result.errors).toEqual([]);
    expect(c.observe.registered).toBe(1);
    // The registration and the deregistration (GET Observe: 1 is answered with the resource too) each fetch both blocks.
    expect(c.blocks.block2Received).toBe(2 * Math.ceil(1500 / 1024));
    expect(c.observe.deregistered).toBe(1);
  });
});

/** Notifications in a `coap-client-notls -v 7` log: received CON/NON 2.05 carrying Observe. */
function notificationLines(log: string): string[] {
  return log.match(/t:(?:CON|NON) c:2\.05 i:[0-9a-f]+ \{[0-9a-f]*\} \[ Observe:\d+/g) ?? [];
}

describe.concurrent('libcoap coap-client-notls → fleetbench virtual sensors', () => {
  it('GET, /.well-known/core and Observe against a serving fleet', async ({ expect }) => {
    const base = await freeUdpPorts(2);
    // The sensors must serve for as long as the clients below take, which a loaded machine
    // stretches: the run is planned far longer and stopped by the test once the clients are done.
    const scenario = writeScenario(
      'coap-lib-serve',
      `export default defineScenario({
        name: 'coap-lib-serve', duration: '120s', drain: '${DRAIN}',
        fleets: { thermo: { count: 2, protocol: coap({ serve: { port: ${base} } }), path: '/temperature', send: every('200ms'), payload: bytes(32) } },
      });`,
    );
    const stop = new AbortController();
    const running = run({ scenario, workers: 1, write: false, signal: stop.signal });
    let ended = false;
    // Keep a rejection from being unhandled while the clients run; it is rethrown by the await below.
    running.catch(() => {}).finally(() => (ended = true));
    const url = (port: number, path: string): string => `coap://127.0.0.1:${port}${path}`;

    // The sensors listen once the connect phase bound their ports: poll until a GET is answered.
    let first = '';
    const until = Date.now() + WAIT_TIMEOUT_MS;
    for (;;) {
      if (ended) await running; // the run failed (e.g. a port was taken): its error, not a timeout
      const r = await runLibcoapClient(['-B', '1', '-v', '7', '-m', 'get', url(base, '/temperature')], 10_000);
      first = r.stdout + r.stderr;
      if (r.code === 0 && /t:ACK c:2\.05/.test(first)) break;
      if (Date.now() > until) throw new Error(`no 2.05 from the virtual sensor on ${base}:\n${first}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // A plain GET of the second device's resource.
    const get = await runLibcoapClient(['-B', '2', '-m', 'get', url(base + 1, '/temperature')], 10_000);
    expect(get.code).toBe(0);

    // Discovery (RFC 6690): the sensor lists its observable resource.
    const wk = await runLibcoapClient(['-B', '2', '-m', 'get', url(base, '/.well-known/core')], 10_000);
    expect(wk.code).toBe(0);
    expect(wk.stdout).toContain('</temperature>');
    expect(wk.stdout).toContain('obs');

    // Observe for 2 s: the first answer is the ACK, then one NON notification per 200 ms send.
    const obs = await runLibcoapClient(
      ['-s', '2', '-B', '3', '-v', '7', '-m', 'get', url(base, '/temperature')],
      15_000,
    );
    expect(obs.code).toBe(0);
    const log = obs.stdout + obs.stderr;
    expect(log).toMatch(/t:ACK c:2\.05 i:[0-9a-f]+ \{[0-9a-f]*\} \[ Observe:\d+/);
    expect(notificationLines(log).length, log).toBeGreaterThanOrEqual(5);

    // The clients are done: stop the sensors. The run ends early, drains and closes, so its result
    // is partial (stopped by this test) and holds what the sensors counted.
    expect(ended).toBe(false);
    stop.abort();
    const { result } = await running;
    expect(result.run.partial).toBe(true);
    expect(result.errors).toEqual([]);
    const c = coapOf(expect, result, 'thermo');
    expect(c.observe.registered).toBeGreaterThanOrEqual(1);
    expect(c.observe.notifications).toBeGreaterThanOrEqual(5);
    // libcoap ended its observation with GET Observe: 1 after -s 2.
    expect(c.observe.deregistered).toBeGreaterThanOrEqual(1);
    expect(c.responses['2.05']).toBeGreaterThanOrEqual(4);
  });
});
