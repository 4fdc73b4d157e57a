// CoAP over a lossy path: the RFC 7252 message layer seen on the wire. A UDP forwarder sits
// between the fleet and an embedded CoAP server started here, drops chosen datagrams
// (deterministically: by Message ID or by datagram number) and logs every datagram with its
// time, so retransmission timing (§4.2), MAX_RETRANSMIT timeouts, duplicate suppression with
// cached ACKs (§4.5) and NON loss accounting (§4.3) are checked exactly.
//
// The coap target is the forwarder's URL (not 'embedded'), so the runner counts no server sink;
// deliveries are counted at the server this file starts, through its sink interface.

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
import { DRAIN, writeScenario } from '../helpers/scenario.ts';
import { watchStalls } from '../helpers/wait.ts';

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
  const stalls = watchStalls();
  const { result } = await run({ scenario, workers: 1, write: false, targets: { coap: fwd.url() } }).finally(() =>
    stalls.stop(),
  );
  return { fleet: result.fleets.s!, server: counts, log: fwd.log, stallMs: stalls.maxMs };
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
      // Worst case: the 4th copy leaves 7 × 300 ms after the first; the rest covers late timers.
      '4s',
    );
    const byMessage = upstreamByMessage(log);
    expect(byMessage.size).toBe(messages);
    // The gaps between copies are measured where the forwarder timestamps them, on this thread.
    // A timestamp can be late by as much as this thread's event loop stalled, and a retransmission
    // timer (in the worker) can fire late, never early: the measured gaps may fall short of the
    // protocol's by `early` and exceed them by `late`, both widened by the stall measured meanwhile.
    const early = 5 + stallMs;
    const late = 30 + 2 * stallMs;
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
      // §4.2: the first timeout t0 is random in [ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR] =
      // [200, 300] ms and each retransmission doubles it: the gaps are t0, 2·t0, 4·t0 for one t0.
      // Each gap g[i] allows t0 in [(g[i] − late) / 2^i, (g[i] + early) / 2^i]; some t0 in
      // [200, 300] must satisfy all three.
      let lo = 200;
      let hi = 300;
      g.forEach((x, i) => {
        lo = Math.max(lo, (x - late) / 2 ** i);
        hi = Math.min(hi, (x + early) / 2 ** i);
      });
      expect(
        lo,
        `gaps of ${key}: ${g.map((x) => x.toFixed(1)).join(', ')} ms are not t0, 2·t0, 4·t0 for any t0 in [200, 300] ms ` +
          `(allowing ${early.toFixed(0)} ms early and ${late.toFixed(0)} ms late; this thread's event loop stalled up to ${stallMs.toFixed(0)} ms)`,
      ).toBeLessThanOrEqual(hi);
    }
    console.log(
      `coap-lossy: upstream gaps per Message ID (ms): ${gaps.map((g) => `[${g.join(', ')}]`).join(' ')}; event loop stalled up to ${stallMs.toFixed(0)} ms`,
    );
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
    const { fleet, server, log } = await lossyRun(
      'coap-lossy-timeout',
      `{ count: ${devices}, protocol: coap({ type: 'CON', method: 'POST', ackTimeout: '100ms', ackRandomFactor: 1.5, maxRetransmit: ${maxRetransmit}, nstart: 10 }), path: '/t/{id}', send: every('50ms'), messages: ${perDevice}, payload: bytes(24) }`,
      { dropUpstream: () => true },
      // MAX_TRANSMIT_WAIT = 100 ms × (2^3 − 1) × 1.5 = 1050 ms after each first copy; the rest
      // covers three chained timers running late on a loaded machine.
      '3s',
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
    // No hanging: every exchange ended by itself, as a timeout counted before the drain ended
    // (timeouts === total above), and none was still outstanding when the devices closed
    // (abandoned === 0). The run's wall time says nothing more, and a busy machine stretches it.
  });

  it('a lost piggybacked ACK brings a retransmission that the server answers from its cache, not processing it twice (§4.5)', async () => {
    const messages = 5;
    const { fleet, server, log } = await lossyRun(
      'coap-lossy-ack',
      `{ count: 1, protocol: coap({ type: 'CON', method: 'POST', ackTimeout: '100ms', ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 10 }), path: '/t/{id}', send: every('50ms'), messages: ${messages}, payload: bytes(24) }`,
      { dropDownstream: firstCopiesOfEachMessageId(1) },
      DRAIN,
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
      DRAIN,
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
