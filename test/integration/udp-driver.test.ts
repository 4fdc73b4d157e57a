// The UDP driver end to end, the proof that a protocol is one folder, one registry line and one
// export: its block, table, codes and promise reach the result, the console and the report with
// no generic code naming it. Peers are real sockets: the embedded collector, listening receiver
// devices, and a peer written here that counts what it gets and leaves some datagrams unacked.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { ACK_BYTES } from '../../src/protocols/udp/endpoint.ts';
import { describeCode } from '../../src/report/codes.ts';
import type { RunResult } from '../../src/result/types.ts';
import { runCli, writeScenario } from '../helpers/scenario.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A UDP port nobody uses now: bind to 0, read it, let it go. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

/** A peer that acks in the driver's format, except every `dropEvery`-th datagram, and counts what it got. */
async function lossyPeer(
  dropEvery: number,
): Promise<{ port: number; datagrams: number; bytes: number; dropped: number; socket: Socket }> {
  const socket = createSocket('udp4');
  const peer = { port: 0, datagrams: 0, bytes: 0, dropped: 0, socket };
  socket.on('message', (buf, from) => {
    peer.datagrams++;
    peer.bytes += buf.length;
    if (peer.datagrams % dropEvery === 0) {
      peer.dropped++;
      return;
    }
    // The binary stamp (src/metrics/stamp.ts) starts with magic and version, then stream and seq.
    const ack = Buffer.allocUnsafe(ACK_BYTES);
    ack.writeUInt32BE(buf.readUInt32BE(2), 0);
    ack.writeUInt32BE(buf.readUInt32BE(6), 4);
    socket.send(ack, from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  peer.port = socket.address().port;
  return peer;
}

describe('the UDP driver through the runner', () => {
  it('a fleet → the embedded collector: every datagram acked, its table in the console, its section in the report', async () => {
    const file = writeScenario(
      'udp-embedded',
      `export default defineScenario({
        name: 'udp-embedded',
        duration: '3s',
        fleets: { sensors: { count: 5, protocol: udp(), topic: 'sensors/{id}', send: every('50ms'), messages: 10, payload: bytes(48) } },
        thresholds: { 'sensors.ack_latency': ['p(99) < 2s'], 'sensors.acked': ['rate == 1'] },
      });`,
    );
    const out = mkdtempSync(join(tmpdir(), 'fb-udp-'));
    dirs.push(out);
    const cli = await runCli(['run', file, '--out', out, '--workers', '1']);
    expect(cli.code, cli.stderr).toBe(0);
    // The driver's own table, printed by generic code that loops over the registry.
    expect(cli.stdout).toMatch(/^udp\s+dgrams out\/in\s+B\/dgram out\s+acked\s+timeouts\s+unmatched\s+acks sent$/m);
    expect(cli.stdout).toMatch(/^sensors\s+50\/50\s+48\s+50\s+0\s+0\s+0$/m);
    const folder = join(out, readdirOne(out));
    const result = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as RunResult;
    const f = result.fleets.sensors!;
    expect(f.messages).toMatchObject({ sent: 50, acked: 50, dropped: 0 });
    expect(f.udp).toEqual({
      datagrams: { sent: 50, received: 50, bytesPerDatagramSent: 48 },
      acked: 50,
      timeouts: 0,
      unmatchedAcks: 0,
      acksSent: 0,
    });
    // Raw datagrams: the application bytes are the payloads and the 8-byte acks, nothing else.
    expect(f.bytes).toMatchObject({ sent: 50 * 48, received: 50 * ACK_BYTES });
    expect(f.latency.ack?.corrected.count).toBe(50);
    // The collector is a receiver: every reading arrived once.
    const d = result.delivery.find((x) => x.from === 'sensors');
    expect(d).toMatchObject({ expected: 50, unique: 50, lost: 0, duplicated: 0 });
    expect(d?.promise.label).toBe('UDP datagram (sent once, no delivery guarantee)');
    const html = readFileSync(join(folder, 'report.html'), 'utf8');
    expect(html).toContain('<section id="protocols"><h2>Protocol details</h2>');
    expect(html).toMatch(/<h3>UDP<\/h3>.*<tr data-protocol="udp"><td>sensors<\/td><td class="num">50\/50<\/td>/s);
  }, 60_000);

  it('listening receivers: every datagram delivered once and acked, counted on both ends', async () => {
    const port = await freeUdpPort();
    const file = writeScenario(
      'udp-listen',
      `export default defineScenario({
        name: 'udp-listen',
        duration: '3s',
        targets: { collector: 'udp://127.0.0.1:${port}' },
        fleets: { sensors: { count: 4, protocol: udp({ target: 'collector' }), topic: 't/{id}', send: every('40ms'), messages: 20, payload: bytes(32) } },
        observers: { collector: { protocol: udp({ listen: { port: ${port} } }), receives: ['sensors'] } },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 1, write: false });
    expect(result.fleets.sensors?.udp).toMatchObject({ datagrams: { sent: 80, received: 80 }, acked: 80, timeouts: 0 });
    expect(result.fleets.collector?.udp).toMatchObject({ datagrams: { sent: 80, received: 80 }, acksSent: 80 });
    expect(result.fleets.collector?.bytes).toMatchObject({ received: 80 * 32, sent: 80 * ACK_BYTES });
    const d = result.delivery.find((x) => x.from === 'sensors' && x.to === 'collector');
    expect(d).toMatchObject({ expected: 80, unique: 80, lost: 0, duplicated: 0, verdict: { kept: true } });
  }, 60_000);

  it('a peer that leaves every third datagram unacked: exactly those counted as timeouts, never acked', async () => {
    const peer = await lossyPeer(3);
    try {
      const file = writeScenario(
        'udp-lossy',
        `export default defineScenario({
          name: 'udp-lossy',
          duration: '3s',
          drain: '1s',
          targets: { udp: 'udp://127.0.0.1:${peer.port}' },
          fleets: { lossy: { count: 3, protocol: udp({ timeout: '300ms' }), topic: 'l/{id}', send: every('50ms'), messages: 10, payload: bytes(40) } },
        });`,
      );
      const { result } = await run({ scenario: file, workers: 1, write: false });
      const f = result.fleets.lossy!;
      // The peer is the independent count: what it got is what the fleet says it sent.
      expect(peer.datagrams).toBe(30);
      expect(peer.dropped).toBe(10);
      expect(f.udp?.datagrams.sent).toBe(peer.datagrams);
      expect(f.bytes.sent).toBe(peer.bytes);
      expect(f.udp).toMatchObject({ acked: 20, timeouts: 10, unmatchedAcks: 0 });
      expect(f.messages.acked).toBe(20);
      expect(result.codes['lossy|udp|timeout']).toBe(10);
      // The report lists the timeouts among the codes worth a look, in the driver's words.
      expect(describeCode('udp', 'udp', 'timeout')).toEqual({
        meaning: 'datagram not acknowledged within the timeout (lost either way)',
        notable: true,
      });
    } finally {
      peer.socket.close();
    }
  }, 60_000);
});

/** The one run folder a run wrote under `dir`. */
function readdirOne(dir: string): string {
  const entries = readdirSync(dir).filter((d) => d !== 'latest');
  expect(entries).toHaveLength(1);
  return entries[0] as string;
}
