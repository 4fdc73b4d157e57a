// The pieces that make separate processes one run: the clock offset's arithmetic, --start-at and
// --run-id, a shard's foreign streams, and what `fleetbench merge` refuses (docs/sharding.md).
import { describe, expect, it } from 'vitest';
import { FleetbenchError } from '../../src/base/errors.ts';
import { checkShards, type ShardFile } from '../../src/merge/checks.ts';
import { crossShardUncertainty } from '../../src/merge/merge.ts';
import type { PairShard } from '../../src/metrics/delivery.ts';
import { streamId } from '../../src/metrics/stamp.ts';
import type { ClockInfo, RunResult } from '../../src/result/types.ts';
import { bestEstimate, ntpSample, parseClockRef } from '../../src/runner/clock-sync.ts';
import { ownStream, splitForeign } from '../../src/runner/foreign.ts';
import { checkRunId, checkStartAt, parseStartAt } from '../../src/runner/start-at.ts';

describe('clock offset (NTP-style exchange)', () => {
  /** One exchange against a reference whose clock reads ours + `offset`, with these one-way times. */
  const exchange = (offset: number, at: number, outUs: number, serviceUs: number, backUs: number) => {
    const t1 = at;
    const t2 = at + outUs + offset;
    const t3 = t2 + serviceUs;
    const t4 = at + outUs + serviceUs + backUs;
    return ntpSample(t1, t2, t3, t4);
  };

  it('is exact on a symmetric path, and within ± round trip / 2 on any other', () => {
    expect(exchange(10_000, 1000, 200, 50, 200)).toEqual({ offsetUs: 10_000, delayUs: 400 });
    for (const [out, back] of [
      [300, 100],
      [10, 900],
      [0, 2000],
    ] as const) {
      const s = exchange(-123_456, 5000, out, 40, back);
      expect(s.delayUs).toBe(out + back);
      expect(Math.abs(s.offsetUs - -123_456)).toBeLessThanOrEqual(s.delayUs / 2);
    }
  });

  it('keeps the exchange with the smallest round trip', () => {
    const samples = [
      exchange(500, 0, 900, 10, 100),
      exchange(500, 10_000, 60, 10, 40),
      exchange(500, 20_000, 5, 10, 700),
    ];
    expect(bestEstimate(samples)).toEqual({ offsetUs: 510, uncertaintyUs: 50 });
  });

  it('combines shard clocks: one machine is exact, a shard without reference unverified, else the two largest bounds', () => {
    const c = (method: ClockInfo['method'], uncertaintyUs: number | null, bootId?: string): ClockInfo => ({
      reference: 'x',
      method,
      offsetUs: 0,
      uncertaintyUs,
      samples: 8,
      ...(bootId ? { bootId } : {}),
    });
    expect(crossShardUncertainty([c('reference', 0, 'a'), c('none', null, 'a')])).toBe(0);
    expect(crossShardUncertainty([c('reference', 0, 'a'), c('none', null, 'b')])).toBeNull();
    expect(crossShardUncertainty([c('reference', 0, 'a'), c('exchange', 120, 'b'), c('exchange', 80, 'c')])).toBe(200);
  });

  it('parses --clock-ref', () => {
    expect(parseClockRef('fleetbench-0.fleetbench:7791')).toEqual({ host: 'fleetbench-0.fleetbench', port: 7791 });
    expect(parseClockRef('10.0.0.5')).toEqual({ host: '10.0.0.5', port: 7790 });
    expect(parseClockRef('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(() => parseClockRef('host:99999')).toThrow(/--clock-ref: expected host:port/);
    expect(() => parseClockRef('')).toThrow(FleetbenchError);
  });
});

describe('--start-at and --run-id', () => {
  it('reads ISO-8601 with a zone and epoch milliseconds', () => {
    expect(parseStartAt('2026-12-06T04:00:00Z')).toBe(Date.UTC(2026, 11, 6, 4, 0, 0));
    expect(parseStartAt('2026-12-06T05:00:00.5+01:00')).toBe(Date.UTC(2026, 11, 6, 4, 0, 0, 500));
    expect(parseStartAt('1796529600000')).toBe(1_796_529_600_000);
  });

  it('refuses a time without a zone, or no time at all', () => {
    expect(() => parseStartAt('2026-12-06T04:00:00')).toThrow(/--start-at: expected an ISO-8601 time with its zone/);
    expect(() => parseStartAt('in 5 minutes')).toThrow(FleetbenchError);
    expect(() => parseStartAt('1796529600')).toThrow(/epoch seconds\? give epoch milliseconds \(1796529600000\)/);
  });

  it('refuses a start hours ahead or long past; a recent past means start when ready', () => {
    const now = Date.UTC(2026, 11, 6, 4, 0, 0);
    expect(() => checkStartAt(now + 7 * 3_600_000, now)).toThrow(/7\.0 h ahead: more than 6 h/);
    expect(() => checkStartAt(now - 11 * 60_000, now)).toThrow(/660 s ago: more than 10 min in the past/);
    expect(() => checkStartAt(now - 30_000, now)).not.toThrow();
    expect(() => checkStartAt(now + 3_600_000, now)).not.toThrow();
  });

  it('accepts short plain run ids only', () => {
    expect(checkRunId('bench-42')).toBe('bench-42');
    for (const bad of ['Bench', 'a/b', '-x', 'x'.repeat(33), '', 'a b'])
      expect(() => checkRunId(bad)).toThrow(/--run-id: expected 1 to 32 characters/);
  });
});

describe("a shard's foreign streams", () => {
  const shard1 = { index: 1, count: 2 };
  it('belong to the shard running their device', () => {
    expect(ownStream(streamId(0, 1), shard1)).toBe(true);
    expect(ownStream(streamId(3, 4), shard1)).toBe(false);
    expect(ownStream(streamId(3, 4), { index: 0, count: 1 })).toBe(true);
  });

  it('leave the pair counts and are counted apart', () => {
    const own = streamId(0, 1);
    const other = streamId(0, 2);
    const each: PairShard = {
      from: 'sensors',
      to: 'backend',
      mode: 'each',
      received: 33,
      unique: 30,
      duplicated: 3,
      outOfOrder: 1,
      rows: [
        [1, own, 11, 10, 1, 0, 0],
        [1, other, 22, 20, 2, 1, 0],
      ],
    };
    const group: PairShard = {
      from: 'sensors',
      to: 'workers',
      mode: 'group',
      received: 15,
      unique: 15,
      duplicated: 0,
      outOfOrder: 0,
      streams: [
        [own, 'AA', 5, 0],
        [other, 'AA', 10, 2],
      ],
    };
    const split = splitForeign([each, group], shard1);
    expect(split.foreign).toBe(32);
    expect(split.own[0]).toMatchObject({
      received: 11,
      unique: 10,
      duplicated: 1,
      outOfOrder: 0,
      rows: [[1, own, 11, 10, 1, 0, 0]],
    });
    expect(split.own[1]).toMatchObject({ received: 5, outOfOrder: 0, streams: [[own, 'AA', 5, 0]] });
    expect(splitForeign([each], { index: 0, count: 1 })).toEqual({ own: [each], foreign: 0 });
  });
});

describe('fleetbench merge refuses what is not one run', () => {
  const shard = (
    file: string,
    index: number,
    over: { id?: string; hash?: string; count?: number; merge?: boolean } = {},
  ): ShardFile => ({
    file,
    result: {
      scenario: { name: 's', file: 's.ts', hash: over.hash ?? 'h1' },
      run: { id: over.id ?? 'r1', shard: { index, count: over.count ?? 2 } },
      ...(over.merge === false ? {} : { merge: {} }),
    } as unknown as RunResult,
  });

  it('orders the shards of one run by index', () => {
    expect(checkShards([shard('b.json', 1), shard('a.json', 0)]).map((s) => s.file)).toEqual(['a.json', 'b.json']);
  });

  it.each([
    [[shard('a.json', 0), shard('b.json', 1, { merge: false })], /b\.json is not a shard's result/],
    [[shard('a.json', 0), shard('b.json', 1, { id: 'r2' })], /b\.json is from run r2, a\.json from run r1/],
    [[shard('a.json', 0), shard('b.json', 1, { hash: 'h2' })], /b\.json ran scenario s\.ts \(hash h2\)/],
    [[shard('a.json', 0), shard('b.json', 1, { count: 3 })], /b\.json is shard 1\/3, a\.json one of 2 shards/],
    [[shard('a.json', 0), shard('b.json', 0)], /a\.json and b\.json are both shard 0\/2/],
    [[shard('a.json', 1, { count: 3 })], /missing shards 0\/3, 2\/3 of run r1 \(given: 1\/3\)/],
  ])('%#', (files, message) => {
    expect(() => checkShards(files)).toThrow(message);
    try {
      checkShards(files);
    } catch (err) {
      expect((err as FleetbenchError).code).toBe('FB_MERGE_INVALID');
    }
  });
});
