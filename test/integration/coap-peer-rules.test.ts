// What fleetbench honours from a CoAP peer: error response codes (RFC 7252 §5.9.2, §5.9.3)
// against libcoap's server, a smaller block size asked for mid-upload (Block1 late negotiation,
// RFC 7959 §2.5) against a strict in-process peer (libcoap keeps the client's size), and
// block-wise notifications with their ETag (RFC 7959 §2.6) on the wire between a virtual sensor
// and an observer that negotiated 64-byte blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { run } from '../../src/index.ts';
import { decodeBlock, decodeUint, option, parse } from '../../src/protocols/coap/codec.ts';
import { COAP_CODES } from '../../src/protocols/coap/codes.ts';
import { CoapDevice } from '../../src/protocols/coap/device.ts';
import { COAP_DEFAULTS, resolveCoapOptions } from '../../src/protocols/coap/options.ts';
import { CoapServer } from '../../src/protocols/coap/server.ts';
import { type DeviceEvents, IGNORE_EVENTS, type ReceivedMessage } from '../../src/protocols/driver.ts';
import {
  freeUdpPorts,
  type LibcoapServer,
  runLibcoapClient,
  startLibcoapServer,
  startLossyForwarder,
  waitForCoap,
} from '../helpers/coap-peers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';
import { startStrictBlock1Peer } from '../helpers/strict-coap.ts';
import { waitFor } from '../helpers/wait.ts';

describe('error responses from libcoap coap-server-notls', () => {
  let server: LibcoapServer;
  beforeAll(async () => {
    server = await startLibcoapServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('4.05 and 4.04 are errors by code and name, never acknowledged', async () => {
    const scenario = writeScenario(
      'coap-errors',
      `export default defineScenario({
      name: 'coap-errors', duration: '10s', drain: '${DRAIN}',
      fleets: {
        // libcoap serves / read-only: PUT is 4.05 Method Not Allowed; /missing does not exist: 4.04.
        put: { count: 1, protocol: coap({ method: 'PUT' }), path: '/', send: every('50ms'), messages: 3, payload: bytes(24) },
        post: { count: 1, protocol: coap({ method: 'POST' }), path: '/missing', send: every('50ms'), messages: 3, payload: bytes(24) },
      },
      // What CI would assert: every request acknowledged.
      thresholds: { 'put.acked': ['rate == 1'] },
    });`,
    );
    const { result } = await run({ scenario, workers: 1, write: false, targets: { coap: server.url } });
    for (const [fleet, code, name] of [
      ['put', '4.05', 'Method Not Allowed'],
      ['post', '4.04', 'Not Found'],
    ] as const) {
      const f = result.fleets[fleet]!;
      expect(f.messages).toMatchObject({ sent: 3, acked: 0 });
      expect(f.coap!.responses).toEqual({ [code]: 3 });
      expect(f.latency.ack).toBeUndefined();
      const e = result.errors.find((x) => x.group === fleet);
      expect(e).toMatchObject({ code: `coap.response_${code}`, count: 3 });
      expect(e!.message).toContain(`answered ${code} ${name}`);
    }
    // A refused request is not an acknowledged one: the threshold fails.
    expect(result.thresholds?.find((t) => t.key === 'put.acked')).toMatchObject({ passed: false, actual: 0 });
  });
});

function events(
  onAck: () => void,
  onMessage = (_m: ReceivedMessage): void => {},
  onCode = (_c: string): void => {},
): DeviceEvents {
  return { ...IGNORE_EVENTS, onMessage, onAck, onCode };
}

describe('Block1 late negotiation against a strict peer', () => {
  it('after 2.31 with a smaller SZX the next block number keeps the byte offset (RFC 7959 §2.5, Figure 9)', async () => {
    const peer = await startStrictBlock1Peer({ lowerTo: 128 });
    const check = new Checker();
    const options = resolveCoapOptions({ method: 'PUT', blockSize: 512 }, 'test', check);
    if (!options) throw new Error(check.problems.join('\n'));
    let acked = 0;
    let next: () => void = () => {};
    const device = new CoapDevice(
      { url: peer.url(''), index: 0, clientId: 'late', options, connectTimeoutMs: 2000 },
      events(() => {
        acked++;
        next();
      }),
    );
    const bodies = [0, 1].map((k) => Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7 + k) & 0xff)));
    try {
      await device.connect();
      for (const payload of bodies) {
        const done = new Promise<void>((resolve) => (next = resolve));
        expect(device.send({ topic: '/fw', payload, stamp: { stream: 0, seq: 0, intendedUs: 0, sentUs: 0 } })).toBe(
          'sent',
        );
        await done;
      }
    } finally {
      await device.close();
      await peer.close();
    }
    expect(acked).toBe(2);
    // Block 0 goes as 512 bytes; the peer keeps them and asks for 128: the next block is
    // 512 / 128 = 4 (offset 512), then 5 … 11 (offset 1408, the last 92 bytes).
    const expected = [
      { num: 0, size: 512, offset: 0, length: 512, more: true, answer: '2.31' },
      ...[4, 5, 6, 7, 8, 9, 10].map((num) => ({
        num,
        size: 128,
        offset: num * 128,
        length: 128,
        more: true,
        answer: '2.31',
      })),
      { num: 11, size: 128, offset: 1408, length: 92, more: false, answer: '2.04' },
    ];
    // Every upload starts again at the fleet's size: the smaller size was for that transfer.
    expect(peer.blocks.map(({ messageId: _, ...b }) => b)).toEqual([...expected, ...expected]);
    expect(peer.bodies).toEqual(bodies);
  });
});

describe('block-wise notifications (RFC 7959 §2.6)', () => {
  it('300-byte readings to an observer of 64-byte blocks: first block with ETag, the rest fetched, counted once', async () => {
    const base = await freeUdpPorts(1);
    const forwarder = await startLossyForwarder({ target: { host: '127.0.0.1', port: base } });
    try {
      const scenario = writeScenario(
        'coap-block-notify',
        `export default defineScenario({
        name: 'coap-block-notify', duration: '10s', drain: '${DRAIN}',
        fleets: { cam: { count: 1, protocol: coap({ serve: { port: ${base}, notify: 'CON' } }), path: '/img', send: every('600ms'), messages: 3, payload: bytes(300) } },
        observers: { viewer: { protocol: coap({ blockSize: 64 }), receives: ['cam'], subscribe: '${forwarder.url('/img')}' } },
      });`,
      );
      const { result } = await run({ scenario, workers: 1, write: false });
      // Every reading arrived whole and once: the stamp at its start, its 300 bytes reassembled.
      expect(result.delivery.find((d) => d.from === 'cam')).toMatchObject({
        expected: 3,
        received: 3,
        unique: 3,
        lost: 0,
        duplicated: 0,
      });
      const viewer = result.fleets.viewer!.coap!;
      expect(viewer.observe.notifications).toBe(3);
      expect(result.errors).toEqual([]);

      const packets = forwarder.log.map((d) => ({ dir: d.direction, p: parse(d.bytes) }));
      const block2 = (p: ReturnType<typeof parse>) => decodeBlock(option(p, 'Block2'));
      // The registration asked for 64-byte blocks (early negotiation, §2.4) with Observe: 0.
      const registration = packets.find((x) => x.dir === 'up' && option(x.p, 'Observe') !== undefined)!.p;
      expect(block2(registration)).toEqual({ num: 0, more: false, size: 64 });
      // Each notification (a CON from the sensor with Observe) is the first block, M=1, with an ETag.
      const notifications = packets.filter((x) => x.dir === 'down' && x.p.confirmable && option(x.p, 'Observe'));
      expect(notifications).toHaveLength(3);
      for (const { p } of notifications) {
        expect(block2(p)).toEqual({ num: 0, more: true, size: 64 });
        expect(p.payload.length).toBe(64);
        expect(decodeUint(option(p, 'Size2'))).toBe(300);
        expect(option(p, 'ETag')?.length).toBeGreaterThan(0);
      }
      // The rest (readings are 600 ms apart, so no newer one replaces a reading being fetched,
      // which would count as block2.etag_changed): GETs for blocks 1 … 4 on tokens of their own, without Observe (the observation's
      // token also carries the deregistration's blocks), each answered with the notification's ETag.
      const etags = new Set(notifications.map(({ p }) => option(p, 'ETag')!.toString('hex')));
      expect(etags.size).toBe(3);
      const observation = registration.token.toString('hex');
      const fetches = packets.filter(
        (x) => x.dir === 'up' && x.p.code === '0.01' && x.p.token.toString('hex') !== observation,
      );
      expect(fetches.map((x) => [block2(x.p)?.num, option(x.p, 'Observe')])).toEqual(
        [0, 1, 2].flatMap(() => [1, 2, 3, 4].map((num) => [num, undefined])),
      );
      const answers = packets.filter(
        (x) => x.dir === 'down' && x.p.ack && x.p.code === '2.05' && x.p.token.toString('hex') !== observation,
      );
      expect(answers.map((x) => block2(x.p))).toEqual(
        [0, 1, 2].flatMap(() => [1, 2, 3, 4].map((num) => ({ num, more: num < 4, size: 64 }))),
      );
      for (const { p } of answers) expect(etags.has(option(p, 'ETag')!.toString('hex'))).toBe(true);
    } finally {
      await forwarder.close();
    }
  });

  it('libcoap coap-client-notls -b 64 observing a virtual sensor gets first blocks with ETag and fetches the rest', async () => {
    const base = await freeUdpPorts(1);
    // The sensor serves for as long as the client takes; the test stops the run afterwards.
    const scenario = writeScenario(
      'coap-block-notify-libcoap',
      `export default defineScenario({
        name: 'coap-block-notify-libcoap', duration: '120s', drain: '500ms',
        fleets: { cam: { count: 1, protocol: coap({ serve: { port: ${base}, notify: 'CON' } }), path: '/img', send: every('700ms'), payload: bytes(300) } },
      });`,
    );
    const stop = new AbortController();
    const running = run({ scenario, workers: 1, write: false, signal: stop.signal });
    running.catch(() => {});
    let log = '';
    try {
      await waitForCoap(base, '127.0.0.1', 30_000);
      const r = await runLibcoapClient(
        ['-s', '2', '-B', '3', '-b', '64', '-v', '7', '-m', 'get', `coap://127.0.0.1:${base}/img`],
        15_000,
      );
      log = r.stdout + r.stderr;
      expect(r.code, log).toBe(0);
    } finally {
      stop.abort();
    }
    const { result } = await running;
    expect(result.errors).toEqual([]);
    // Each notification is a CON 2.05 with Observe, an ETag and only block 0 of 300 bytes in 64s.
    const notifications = [
      ...log.matchAll(
        /t:CON c:2\.05 i:[0-9a-f]+ \{[0-9a-f]*\} \[ ETag:(0x[0-9a-f]+), Observe:\d+, [^\]]*Block2:0\/M\/64, Size2:300 \]/g,
      ),
    ].map((m) => m[1]!);
    expect(notifications.length, log).toBeGreaterThanOrEqual(2);
    // libcoap asks for blocks 1 … 4 of each (no Observe) and gets them with the notification's ETag.
    for (const etag of notifications.slice(0, -1)) {
      const blocks = [
        ...log.matchAll(
          new RegExp(
            `t:ACK c:2\\.05 i:[0-9a-f]+ \\{[0-9a-f]+\\} \\[ ETag:${etag}, [^\\]]*Block2:(\\d)/(M|_)/64 \\]`,
            'g',
          ),
        ),
      ]
        .map((m) => `${m[1]}/${m[2]}`)
        .filter((b, i, all) => all.indexOf(b) === i);
      expect(blocks, log).toEqual(['1/M', '2/M', '3/M', '4/_']);
    }
    expect(result.fleets.cam!.coap!.observe.registered).toBe(1);
  });

  it('a reading replaced while its blocks are fetched is dropped (ETag changed); the newer one arrives whole, once', async () => {
    const server = new CoapServer({
      writable: false,
      transmission: COAP_DEFAULTS.transmission,
      notify: 'CON',
      maxAgeSec: 60,
      blockSize: 1024,
      random: Math.random,
      dedupCapacity: 100,
      events: { onCode() {} },
    });
    const { port } = await server.listen(0, '127.0.0.1');
    server.define('/img', 42);
    const check = new Checker();
    const options = resolveCoapOptions({ blockSize: 64 }, 'test', check);
    if (!options) throw new Error(check.problems.join('\n'));
    const received: Buffer[] = [];
    const codes: string[] = [];
    const observer = new CoapDevice(
      { url: `coap://127.0.0.1:${port}`, index: 0, clientId: 'viewer', options, connectTimeoutMs: 5000 },
      events(
        () => {},
        (m) => received.push(m.payload),
        (c) => codes.push(c),
      ),
    );
    try {
      await observer.connect();
      await observer.subscribe(['/img']);
      // Two readings in the same tick: both notifications (block 0 each) leave before the observer's
      // GET for block 1 of the first arrives, which is then answered from the second reading.
      const first = Buffer.alloc(300, 1);
      const second = Buffer.alloc(300, 2);
      server.update('/img', first, 42);
      server.update('/img', second, 42);
      await waitFor(() => received.length === 1 && codes.includes(COAP_CODES.keys.block2.etag_changed));
    } finally {
      await observer.close();
      await server.close();
    }
    expect(received).toEqual([Buffer.alloc(300, 2)]);
    expect(codes.filter((c) => c === COAP_CODES.keys.block2.etag_changed)).toHaveLength(1);
    expect(codes.filter((c) => c === COAP_CODES.keys.observe.notification)).toHaveLength(1);
  });
});
