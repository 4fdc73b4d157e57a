// CoAP over a lossy path: the RFC 7252 message layer seen on the wire. A UDP forwarder sits
// between the fleet and an embedded CoAP server started here, drops chosen datagrams
// (deterministically: by Message ID or by datagram number) and logs every datagram with its
// time, so retransmission timing (§4.2), MAX_RETRANSMIT timeouts, duplicate suppression with
// cached ACKs (§4.5) and NON loss accounting (§4.3) are checked exactly.
//
// The coap target is the forwarder's URL (not 'embedded'), so the runner counts no server sink;
// deliveries are counted at the server this file starts, through its sink interface.

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { decodeStamp } from '../../src/metrics/stamp.ts';
import { startEmbeddedCoap } from '../../src/protocols/coap/embedded.ts';
import type { EmbeddedServer } from '../../src/protocols/driver.ts';
import type { FleetResult } from '../../src/result/types.ts';
import {
  coapHeader,
  type ForwardedDatagram,
  type LossyForwarder,
  type LossyForwarderOptions,
  startLossyForwarder,
} from '../helpers/coap-peers.ts';
import { writeScenario } from '../helpers/scenario.ts';

interface ServerCounts {
  /** POST bodies processed by the server (first copies only). */
  received: number;
  /** Distinct (stream, seq) stamps among them. */
  unique: Set<string>;
  codes: Map<string, number>;
}

interface LossyRun {
  fleet: FleetResult;
  server: ServerCounts;
  log: ForwardedDatagram[];
  elapsedMs: number;
  /** Longest event-loop delay of this thread (where the forwarder timestamps datagrams) during the run. */
  stallMs: number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** Embedded server ← forwarder ← fleet `s`; returns the fleet's result, the server's counts and the wire log. */
async function lossyRun(
  name: string,
  fleet: string,
  drops: Pick<LossyForwarderOptions, 'dropUpstream' | 'dropDownstream'>,
  drain: string,
): Promise<LossyRun> {
  const server: EmbeddedServer = await startEmbeddedCoap();
  cleanups.push(() => server.close());
  const counts: ServerCounts = { received: 0, unique: new Set(), codes: new Map() };
  server.sink!.attach({
    onMessage(m) {
      counts.received++;
      const s = decodeStamp(m.payload);
      if (s) counts.unique.add(`${s.stream}:${s.seq}`);
    },
    onCode(code, count) {
      counts.codes.set(code, (counts.codes.get(code) ?? 0) + (count ?? 1));
    },
    onError() {},
  });
  const { port } = new URL(server.urls.default!);
  const fwd: LossyForwarder = await startLossyForwarder({
    target: { host: '127.0.0.1', port: Number(port) },
    ...drops,
  });
  cleanups.push(() => fwd.close());
  const scenario = writeScenario(
    name,
    `export default defineScenario({ name: '${name}', duration: '20s', drain: '${drain}', fleets: { s: ${fleet} } });`,
  );
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  const { result } = await run({ scenario, workers: 1, write: false, targets: { coap: fwd.url() } }).finally(() =>
    loop.disable(),
  );
  const elapsedMs = performance.now() - t0;
  return { fleet: result.fleets.s!, server: counts, log: fwd.log, elapsedMs, stallMs: loop.max / 1e6 };
}

/** Upstream copies grouped by (client, Message ID), in arrival order. */
function upstreamByMessage(log: readonly ForwardedDatagram[]): Map<string, ForwardedDatagram[]> {
  const out = new Map<string, ForwardedDatagram[]>();
  for (const d of log) {
    if (d.direction !== 'up') continue;
    const k = `${d.client}|${coapHeader(d.bytes).messageId}`;
    const list = out.get(k) ?? [];
    list.push(d);
    out.set(k, list);
  }
  return out;
}

/** Drops the first `n` datagrams of every Message ID (one device only: Message IDs are per endpoint). */
function firstCopiesOfEachMessageId(n: number): (i: number, datagram: Buffer) => boolean {
  const seen = new Map<number, number>();
  return (_i, datagram) => {
    const mid = coapHeader(datagram).messageId;
    const k = (seen.get(mid) ?? 0) + 1;
    seen.set(mid, k);
    return k <= n;
  };
}

describe('CoAP over a lossy path (RFC 7252 message layer on the wire)', () => {
  it('CON retransmissions back off exponentially from a random [ACK_TIMEOUT, ×ACK_RANDOM_FACTOR] start (§4.2)', async () => {
    const messages = 3;
    const { fleet, server, log, stallMs } = await lossyRun(
      'coap-lossy-rto',
      `{ count: 1, protocol: coap({ type: 'CON', method: 'POST', ackTimeout: '200ms', ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 10 }), path: '/t/{id}', send: every('50ms'), messages: ${messages}, payload: bytes(24) }`,
      { dropUpstream: firstCopiesOfEachMessageId(3) },
      // Worst case: the 4th copy leaves 7 × 300 ms after the first.
      '3s',
    );
    const byMessage = upstreamByMessage(log);
    expect(byMessage.size).toBe(messages);
    const gaps: number[][] = [];
    for (const [key, copies] of byMessage) {
      expect(
        copies.map((c) => c.dropped),
        key,
      ).toEqual([true, true, true, false]);
      for (const c of copies) expect(coapHeader(c.bytes).type).toBe('CON');
      // Every copy is the same bytes (§4.2: a retransmission is the same message).
      for (const c of copies) expect(c.bytes.equals(copies[0]!.bytes)).toBe(true);
      const g = copies.slice(1).map((c, i) => c.atMs - copies[i]!.atMs);
      gaps.push(g.map((x) => Math.round(x)));
      const why = `gaps of ${key}: ${g.map((x) => x.toFixed(1)).join(', ')} ms (main event loop stalled up to ${stallMs.toFixed(0)} ms)`;
      // The first timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR] = [200, 300] ms.
      expect(g[0]!, why).toBeGreaterThanOrEqual(200 - 5);
      expect(g[0]!, why).toBeLessThanOrEqual(300 + 40);
      // Each next one doubles: a ratio of 1.9 … 2.1, give or take 30 ms of timer and event-loop jitter
      // (the forwarder timestamps datagrams on this thread, which also runs the runner's main loop).
      for (let i = 1; i < g.length; i++) {
        expect(g[i]!, why).toBeGreaterThanOrEqual(1.9 * g[i - 1]! - 30);
        expect(g[i]!, why).toBeLessThanOrEqual(2.1 * g[i - 1]! + 30);
      }
    }
    console.log(`coap-lossy: upstream gaps per Message ID (ms): ${gaps.map((g) => `[${g.join(', ')}]`).join(' ')}`);
    // Each message processed exactly once at the server, none lost.
    expect(fleet.messages.sent).toBe(messages);
    expect(server.received).toBe(messages);
    expect(server.unique.size).toBe(messages);
    expect(server.codes.get('coap|duplicate_suppressed') ?? 0).toBe(0);
    expect(fleet.messages.acked).toBe(messages);
    expect(fleet.coap!.retransmissions).toBe(3 * messages);
    expect(fleet.coap!.timeouts).toBe(0);
    expect(fleet.coap!.abandoned).toBe(0);
    // The first POST to /t/0 creates the resource (2.01), the next ones change it (2.04).
    expect(fleet.coap!.responses).toEqual({ '2.01': 1, '2.04': messages - 1 });
    // 4 copies of each request out, one piggybacked ACK back.
    expect(fleet.coap!.datagrams).toMatchObject({ sent: 4 * messages, received: messages });
  });

  it('gives up after MAX_RETRANSMIT and counts a timeout, without hanging (§4.2)', async () => {
    const devices = 2;
    const perDevice = 3;
    const maxRetransmit = 2;
    const { fleet, server, log, elapsedMs } = await lossyRun(
      'coap-lossy-timeout',
      `{ count: ${devices}, protocol: coap({ type: 'CON', method: 'POST', ackTimeout: '100ms', ackRandomFactor: 1.5, maxRetransmit: ${maxRetransmit}, nstart: 10 }), path: '/t/{id}', send: every('50ms'), messages: ${perDevice}, payload: bytes(24) }`,
      { dropUpstream: () => true },
      // MAX_TRANSMIT_WAIT = 100 ms × (2^3 − 1) × 1.5 = 1050 ms after each first copy.
      '1500ms',
    );
    const total = devices * perDevice;
    expect(fleet.messages.sent).toBe(total);
    expect(fleet.messages.acked).toBe(0);
    expect(fleet.coap!.timeouts).toBe(total);
    expect(fleet.coap!.retransmissions).toBe(total * maxRetransmit);
    expect(fleet.coap!.abandoned).toBe(0);
    expect(server.received).toBe(0);
    const byMessage = upstreamByMessage(log);
    expect(byMessage.size).toBe(total);
    expect(new Set(log.map((d) => d.client)).size).toBe(devices);
    for (const [key, copies] of byMessage) expect(copies.length, key).toBe(1 + maxRetransmit);
    expect(log.filter((d) => d.direction === 'down')).toHaveLength(0);
    // Startup + ~150 ms of sends + 1.5 s drain: bounded, far from the test timeout.
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('a lost piggybacked ACK brings a retransmission that the server answers from its cache, not processing it twice (§4.5)', async () => {
    const messages = 5;
    const { fleet, server, log } = await lossyRun(
      'coap-lossy-ack',
      `{ count: 1, protocol: coap({ type: 'CON', method: 'POST', ackTimeout: '100ms', ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 10 }), path: '/t/{id}', send: every('50ms'), messages: ${messages}, payload: bytes(24) }`,
      { dropDownstream: firstCopiesOfEachMessageId(1) },
      '1s',
    );
    expect(fleet.messages.sent).toBe(messages);
    expect(server.received).toBe(messages);
    expect(server.unique.size).toBe(messages);
    expect(server.codes.get('coap|duplicate_suppressed')).toBe(messages);
    // One response per request processed: the re-sent ACK is the cached one, not a new answer.
    expect((server.codes.get('response|2.01') ?? 0) + (server.codes.get('response|2.04') ?? 0)).toBe(messages);
    expect(fleet.coap!.retransmissions).toBe(messages);
    expect(fleet.messages.acked).toBe(messages);
    expect(fleet.coap!.timeouts).toBe(0);
    const down = log.filter((d) => d.direction === 'down');
    expect(down).toHaveLength(2 * messages);
    // Both ACKs of a Message ID are byte-identical: the cached reply.
    const byMid = new Map<number, Buffer[]>();
    for (const d of down) {
      const h = coapHeader(d.bytes);
      expect(h.type).toBe('ACK');
      byMid.set(h.messageId, [...(byMid.get(h.messageId) ?? []), d.bytes]);
    }
    expect(byMid.size).toBe(messages);
    for (const [, acks] of byMid) expect(acks[0]!.equals(acks[1]!)).toBe(true);
  });

  it('NON requests lost upstream are counted exactly as unanswered, never retransmitted (§4.3)', async () => {
    const devices = 2;
    const perDevice = 10;
    const { fleet, server, log } = await lossyRun(
      'coap-lossy-non',
      `{ count: ${devices}, protocol: coap({ type: 'NON', method: 'POST', ackTimeout: '100ms' }), path: '/t/{id}', send: every('20ms'), messages: ${perDevice}, payload: bytes(24) }`,
      { dropUpstream: (n) => n % 4 === 3 },
      '500ms',
    );
    const total = devices * perDevice;
    const up = log.filter((d) => d.direction === 'up');
    const dropped = up.filter((d) => d.dropped).length;
    expect(up).toHaveLength(total);
    expect(dropped).toBe(Math.floor(total / 4));
    for (const d of up) expect(coapHeader(d.bytes).type).toBe('NON');
    expect(fleet.messages.sent).toBe(total);
    expect(server.received).toBe(total - dropped);
    expect(server.unique.size).toBe(total - dropped);
    // Every request that arrived is answered by a NON 2.01/2.04, and that closes it at the client.
    const down = log.filter((d) => d.direction === 'down');
    expect(down).toHaveLength(total - dropped);
    for (const d of down) expect(coapHeader(d.bytes).type).toBe('NON');
    expect(fleet.messages.acked).toBe(total - dropped);
    expect(fleet.coap!.nonUnanswered).toBe(dropped);
    expect(fleet.coap!.retransmissions).toBe(0);
    expect(fleet.coap!.timeouts).toBe(0);
  });
});
