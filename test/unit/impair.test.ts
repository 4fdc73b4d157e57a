// The impairment's pure parts: the `impair` block's validation, the link model's timing (delay,
// jitter without reordering, serialization at the rate limit, blackholes), the URL rewrite,
// the repeat memory and the units.
import { describe, expect, it } from 'vitest';
import { parseBitRate, parsePercent } from '../../src/base/units.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import { Direction, seededRandom, Windows } from '../../src/impair/link.ts';
import { RepeatTracker } from '../../src/impair/repeats.ts';
import type { ImpairmentResult, ImpairSpec } from '../../src/impair/spec.ts';
import { addressOf, viaProxy } from '../../src/impair/url.ts';
import { coap, every, mqtt } from '../../src/index.ts';
import { impairmentShape } from '../../src/result/impair-shape.ts';
import { impairmentText } from '../../src/result/impairment.ts';
import { check } from '../../src/result/shape.ts';
import { problemsOf as problems } from '../helpers/validation.ts';

const FILE = 'scenarios/impaired.ts';
const scenario = (impair: unknown) => ({
  name: 'impaired',
  duration: '10s',
  targets: { broker: 'mqtt://127.0.0.1:1883' },
  fleets: {
    s: { count: 2, protocol: mqtt({ target: 'broker' }), topic: 't/{id}', send: every('1s') },
    c: { count: 2, protocol: coap(), path: '/t/{id}', send: every('1s') },
  },
  impair,
});
const problemsOf = (impair: unknown): readonly string[] => problems(scenario(impair), FILE);

const SPEC: ImpairSpec = { latencyMs: 0, jitterMs: 0, loss: 0, bandwidthBytesPerS: 0, blackholes: [], resetsAtMs: [] };

describe('the impair block', () => {
  it('resolves each target with its transport, units and windows', () => {
    const plan = validateScenario(
      scenario({
        broker: {
          latency: '20ms',
          jitter: '5ms',
          bandwidth: '250kbit/s',
          blackhole: [
            { at: '5s', for: '3s' },
            { at: '9s', for: '500ms' },
          ],
          reset: { at: '10s' },
        },
        coap: { loss: '1%', blackhole: { at: '1s', for: '1s' } },
      }),
      FILE,
    );
    expect(plan.impair.broker).toEqual({
      transport: 'tcp',
      spec: {
        latencyMs: 20,
        jitterMs: 5,
        loss: 0,
        bandwidthBytesPerS: 31_250,
        blackholes: [
          { atMs: 5000, forMs: 3000 },
          { atMs: 9000, forMs: 500 },
        ],
        resetsAtMs: [10_000],
      },
    });
    expect(plan.impair.coap?.transport).toBe('udp');
    expect(plan.impair.coap?.spec.loss).toBe(0.01);
  });

  it('names the field of every mistake', () => {
    expect(
      problemsOf({
        broker: { loss: '1%', jitter: '30ms', latency: '20ms', bandwidth: 'fast', colour: 1, blackhole: { at: '1s' } },
        coap: { reset: { at: '1s' }, loss: '150%' },
        nowhere: { latency: '1ms' },
      }),
    ).toEqual([
      'impair.broker.colour: unknown field (expected one of latency, jitter, loss, bandwidth, blackhole, reset)',
      'impair.broker.jitter: must not exceed latency (20 ms): a chunk cannot leave before it arrived',
      'impair.broker.loss: applies to datagram (udp) targets only: a tcp byte stream cannot lose bytes (use blackhole or reset)',
      "impair.broker.bandwidth: expected a rate like '250kbit/s', '1Mbit/s' or '64KiB/s', got \"fast\"",
      "impair.broker.blackhole.for: expected a positive duration like '30s' or '250ms', got nothing",
      'impair.coap.loss: expected a percentage like \'1%\', got "150%"',
      'impair.coap.reset: applies to stream (tcp) targets only: datagrams have no connection to reset (use blackhole)',
      'impair.nowhere: no fleet, observer or command uses a target named "nowhere" (targets used: broker, coap)',
    ]);
    expect(problemsOf({ broker: {} })).toEqual([
      'impair.broker: expected at least one of latency, jitter, loss, bandwidth, blackhole, reset',
    ]);
    expect(problemsOf({ broker: { reset: [{ at: '1s' }, { at: 'soon' }] } })).toEqual([
      "impair.broker.reset[1].at: expected a duration like '30s' or '250ms', got \"soon\"",
    ]);
  });
});

describe('the link model', () => {
  it('adds the latency, and jitter within ± its bound without ever reordering', () => {
    const d = new Direction({ ...SPEC, latencyMs: 20, jitterMs: 5 }, seededRandom(1));
    let last = 0;
    const offsets: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const arrival = i * 1000; // one chunk a millisecond: jitter would reorder them if allowed
      const { atUs } = d.departure(arrival, 100);
      expect(atUs).toBeGreaterThanOrEqual(last);
      expect(atUs - arrival).toBeGreaterThanOrEqual(15_000);
      expect(atUs - arrival).toBeLessThanOrEqual(25_000);
      offsets.push(atUs - arrival);
      last = atUs;
    }
    // Jitter did spread the delays (not a constant).
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(5000);
  });

  it('serializes at the rate limit: a burst leaves one chunk time apart', () => {
    const d = new Direction({ ...SPEC, latencyMs: 10, bandwidthBytesPerS: 1000 }, seededRandom(1));
    const times = [0, 0, 0].map(() => d.departure(0, 100).atUs);
    // 100 B at 1000 B/s: 100 ms each, then the 10 ms delay.
    expect(times).toEqual([110_000, 210_000, 310_000]);
  });

  it('holds stream chunks through a blackhole and drops datagrams in it', () => {
    const spec = { ...SPEC, latencyMs: 10, blackholes: [{ atMs: 100, forMs: 50 }] };
    const w = new Windows(spec);
    w.start(1_000_000);
    const d = new Direction(spec, seededRandom(1));
    expect(d.departure(1_050_000, 10, w)).toEqual({ atUs: 1_060_000, held: false });
    // Arrives in the window: leaves at its end plus the delay.
    expect(d.departure(1_120_000, 10, w)).toEqual({ atUs: 1_160_000, held: true });
    // Would leave in the window: waits for its end.
    expect(d.departure(1_095_000, 10, w).atUs).toBe(1_160_000);
    const g = new Direction(spec, seededRandom(1));
    expect(g.datagram(1_120_000, 10, w)).toBe('blackholed');
    expect(g.datagram(1_095_000, 10, w)).toBe('blackholed');
    expect(g.datagram(1_200_000, 10, w)).toEqual({ atUs: 1_210_000 });
    expect(w.elapsedMs(1_120_000)).toBe(20);
    expect(w.elapsedMs(9_000_000)).toBe(50);
  });

  it('loses the share of datagrams asked for, the same ones for the same seed', () => {
    const fates = (seed: number) => {
      const d = new Direction({ ...SPEC, loss: 0.1 }, seededRandom(seed));
      const w = new Windows(SPEC);
      return Array.from({ length: 10_000 }, (_, i) => d.datagram(i * 10, 10, w) === 'lost');
    };
    const lost = fates(7).filter(Boolean).length;
    expect(lost).toBeGreaterThan(900);
    expect(lost).toBeLessThan(1100);
    expect(fates(7)).toEqual(fates(7));
  });
});

describe('addresses and repeats', () => {
  it('points a URL at the proxy, keeping scheme, credentials, path and query', () => {
    expect(viaProxy('mqtts://u:p@ss@broker.example:8883/x?y=1', '127.0.0.1', 4000)).toBe(
      'mqtts://u:p@ss@127.0.0.1:4000/x?y=1',
    );
    expect(addressOf('mqtts://u:p@ss@broker.example:8883/x?y=1', undefined)).toEqual({
      host: 'broker.example',
      port: 8883,
    });
    expect(addressOf('coap://[::1]/t', 5683)).toEqual({ host: '::1', port: 5683 });
    expect(addressOf('coaps://[::1]/t', undefined)).toMatch(/give the port/);
  });

  it('recognises byte-identical datagrams, within a bounded memory', () => {
    const r = new RepeatTracker();
    expect(r.check(Buffer.from('a'))).toBe(false);
    expect(r.check(Buffer.from('b'))).toBe(false);
    expect(r.check(Buffer.from('a'))).toBe(true);
    for (let i = 0; i < 2000; i++) r.check(Buffer.from(`x${i}`));
    expect(r.check(Buffer.from('a'))).toBe(false);
  });

  it('reads link rates and percentages', () => {
    expect(parseBitRate('250kbit/s')).toBe(31_250);
    expect(parseBitRate('1Mbit/s')).toBe(125_000);
    expect(parseBitRate('64KiB/s')).toBe(65_536);
    expect(parseBitRate('250kbps')).toBeUndefined();
    expect(parsePercent('1%')).toBe(0.01);
    expect(parsePercent('0.5 %')).toBe(0.005);
    expect(parsePercent('101%')).toBeUndefined();
    expect(parsePercent(0.1)).toBeUndefined();
  });
});

describe('the impairment in results', () => {
  const link: ImpairmentResult = {
    transport: 'udp',
    upstream: '127.0.0.1:5683',
    spec: { ...SPEC, latencyMs: 20, jitterMs: 5, loss: 0.01 },
    blackholedMs: 0,
    lateness: { count: 1200, p50Ms: 0.1, p99Ms: 0.8, maxMs: 3 },
    datagram: {
      flows: 40,
      up: { received: 1200, forwarded: 1188, bytes: 40_000, lost: 12, blackholed: 0, repeats: 3 },
      down: { received: 1188, forwarded: 1176, bytes: 9000, lost: 12, blackholed: 0, repeats: 0 },
    },
  };

  it('prints one line per target with what was injected and counted', () => {
    expect(impairmentText(link)).toBe(
      '+20ms ±5ms each way, loss 1% (udp); up 12 lost of 1200 datagrams, 3 repeats; down 12 lost of 1188 datagrams, 0 repeats',
    );
    const stream: ImpairmentResult = {
      transport: 'tcp',
      upstream: '127.0.0.1:1883',
      spec: { ...SPEC, blackholes: [{ atMs: 5000, forMs: 3000 }], resetsAtMs: [10_000] },
      blackholedMs: 3000,
      lateness: { count: 10, p50Ms: 2.5, p99Ms: 9, maxMs: 12 },
      stream: { connections: 40, upstreamFailed: 0, bytesUp: 2048, bytesDown: 512, resets: 1, held: 40 },
    };
    expect(impairmentText(stream)).toBe(
      'blackhole 3s at 5s, reset at 10s (tcp); 40 connections, 2.0KiB up, 512B down; 1 reset; 40 held through blackholes; 3s blackholed; sent 2.5ms late at p50 (busy machine)',
    );
  });

  it('is checked when a saved result is read', () => {
    expect(check(impairmentShape, { coap: link })).toEqual([]);
    expect(check(impairmentShape, { coap: { ...link, transport: 'carrier-pigeon' } })[0]).toMatch(
      /^\$?\.?coap\.transport: expected one of/,
    );
  });
});
