// The pure helpers of `npm run bench -- engine`: /proc parsing, the process tree, CPU between
// samples, medians, the steady window and CPU per 100k messages, the connect rate, the unread
// figure, the heap sums, the frame splitter of the baseline scripts, and the verdicts.
import { describe, expect, it } from 'vitest';
import { parseRounds } from '../../src/bench/engine-cases.ts';
import { heapOf } from '../../src/bench/engine-idle.ts';
import { cpuAt, descendants, median, parseStat, parseVmRssKiB } from '../../src/bench/engine-proc.ts';
import { parseTimeLine } from '../../src/bench/engine-spawn.ts';
import { connectVerdict, cpuCell, transientVerdict, verdict } from '../../src/bench/engine-table.ts';
import {
  brokerRate,
  connectRate,
  cpuPer100k,
  type RunLine,
  steadyWindow,
  unreadOf,
} from '../../src/bench/engine-windows.ts';
// @ts-expect-error: a plain JavaScript module of the baseline scripts, without types.
import { frameSplitter, remainingLength } from '../../src/bench/engine-wire.js';
import type { RunResult } from '../../src/result/types.ts';

describe('/proc parsing', () => {
  it('reads utime, stime, cutime and cstime after a comm holding spaces and parentheses', () => {
    const line = '4242 (node (worker) x) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 40 7 3 20 0 11 0 500 1000 2000';
    expect(parseStat(line)).toEqual({ pid: 4242, ppid: 17, comm: 'node (worker) x', ticks: 300 });
    expect(parseStat('garbage')).toBeUndefined();
  });

  it('reads VmRSS in KiB', () => {
    expect(parseVmRssKiB('Name:\tnode\nVmRSS:\t  123456 kB\nVmSwap: 0 kB\n')).toBe(123_456);
    expect(parseVmRssKiB('Name:\tzombie\n')).toBeUndefined();
  });

  it('finds every descendant of a root and nothing else', () => {
    const stats = [
      { pid: 1, ppid: 0 },
      { pid: 10, ppid: 1 },
      { pid: 11, ppid: 10 },
      { pid: 12, ppid: 11 },
      { pid: 20, ppid: 1 },
    ];
    expect(descendants(10, stats).sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });

  it("parses /usr/bin/time's line", () => {
    expect(parseTimeLine('FBTIME 2.50 0.31 204800\n')).toEqual({ userS: 2.5, sysS: 0.31, maxRssKiB: 204_800 });
    expect(parseTimeLine('Command exited with non-zero status 1\n')).toBeUndefined();
  });
});

describe('windows', () => {
  const samples = [
    { atMs: 1000, cpuS: 1, rssKiB: 0 },
    { atMs: 2000, cpuS: 2, rssKiB: 0 },
    { atMs: 4000, cpuS: 2.5, rssKiB: 0 },
  ];

  it('interpolates CPU between samples and clamps outside them', () => {
    expect(cpuAt(samples, 1500)).toBeCloseTo(1.5);
    expect(cpuAt(samples, 3000)).toBeCloseTo(2.25);
    expect(cpuAt(samples, 0)).toBe(1);
    expect(cpuAt(samples, 9000)).toBe(2.5);
    expect(cpuAt([], 1)).toBeUndefined();
  });

  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  const point = (t: number, phase: string, sent: number, connected = 10) => ({ t, phase, sent, acked: 0, connected });
  const line: RunLine = {
    startedAtMs: 0,
    points: [
      point(0, 'connect', 0, 5),
      point(1, 'run', 500),
      point(2, 'run', 1000),
      point(3, 'run', 1000),
      point(4, 'drain', 10),
    ],
  };

  it('cuts the first and last second off the send phase', () => {
    expect(steadyWindow(line)).toBeUndefined();
    const longer: RunLine = {
      ...line,
      points: [...line.points.slice(0, 4), point(4, 'run', 1000), point(5, 'run', 300)],
    };
    const w = steadyWindow(longer);
    expect(w).toEqual({ fromMs: 2000, toMs: 5000, messages: 3000 });
    // 0.75 CPU-s from 2 s to 5 s (samples interpolate) for 3,000 messages: 25 CPU-s per 100k.
    const cpu = [
      { atMs: 2000, cpuS: 1, rssKiB: 0 },
      { atMs: 5000, cpuS: 1.75, rssKiB: 0 },
    ];
    expect(cpuPer100k(cpu, w as NonNullable<typeof w>)).toBeCloseTo(25);
  });

  it('finds the connect rate by slope, or a lower bound when too few seconds were partial', () => {
    const ramp: RunLine = {
      startedAtMs: 0,
      points: [0, 2000, 4000, 6000, 8000, 10_000].map((c, t) => ({
        t,
        phase: 'connect',
        sent: 0,
        acked: 0,
        connected: c,
      })),
    };
    expect(connectRate(ramp, 10_000)).toEqual({ perS: 2000, how: 'slope', allWithinS: 6 });
    const quick: RunLine = { startedAtMs: 0, points: [point(2, 'run', 0, 1000)] };
    expect(connectRate(quick, 1000)).toEqual({ perS: 1000, how: 'bound', allWithinS: 1 });
    expect(connectRate(quick, 2000)).toBeUndefined();
  });
});

describe('result fields', () => {
  it('sums an unread figure wherever a fleet has one, and says when none has', () => {
    const result = (fleets: Record<string, unknown>) => ({ fleets }) as unknown as RunResult;
    expect(unreadOf(result({ a: { messages: { sent: 1 } } }))).toBeUndefined();
    expect(
      unreadOf(result({ a: { mqtt: { unread: { messages: 7, bytes: 1 } } }, b: { messages: { unread: 3 } } })),
    ).toBe(10);
  });

  it('sums per-thread heap medians inside the window only', () => {
    const row = (at: number, heapUsed: number) => JSON.stringify({ at, heapUsed, external: 1, arrayBuffers: 2 });
    const heap = heapOf(
      [
        [row(0, 999), row(10, 100), row(20, 300), row(30, 200), ''],
        [row(15, 50), row(99, 999)],
      ],
      { fromMs: 10, toMs: 30 },
    );
    expect(heap).toEqual({ heapUsed: 250, external: 2, arrayBuffers: 4 });
    expect(heapOf([[row(0, 1)]], { fromMs: 10, toMs: 30 })).toBeUndefined();
  });
});

describe('baseline wire helpers', () => {
  it('encodes Remaining Length as MQTT 3.1.1 §2.2.3 shows', () => {
    expect([...remainingLength(0)]).toEqual([0x00]);
    expect([...remainingLength(127)]).toEqual([0x7f]);
    expect([...remainingLength(128)]).toEqual([0x80, 0x01]);
    expect([...remainingLength(16_383)]).toEqual([0xff, 0x7f]);
  });

  it('splits packets across chunk boundaries', () => {
    const types: number[] = [];
    const feed = frameSplitter((t: number) => types.push(t));
    // CONNACK, PUBACK split in the middle, then a SUBACK.
    feed(Buffer.from([0x20, 0x02, 0x00, 0x00, 0x40, 0x02]));
    expect(types).toEqual([2]);
    feed(Buffer.from([0x00, 0x01, 0x90, 0x03, 0x00, 0x01, 0x00]));
    expect(types).toEqual([2, 4, 9]);
  });
});

describe('verdicts and arguments', () => {
  it('says met, not met or n/a', () => {
    expect([verdict(true), verdict(false), verdict(undefined)]).toEqual(['met', 'not met', 'n/a']);
    const bound = { perS: 1000, how: 'bound' as const, allWithinS: 1 };
    expect(connectVerdict({ requested: 2000, achieved: bound })).toMatch(/^n\/a/);
    expect(connectVerdict({ requested: 2000, achieved: { ...bound, how: 'slope' } })).toBe('not met');
  });

  it('reports the median over rounds and the failures', () => {
    const cell = cpuCell([{ cpu100k: 2, rate: 10_000 }, { error: 'fleetbench timed out' }, { cpu100k: 4, rate: 9000 }]);
    expect(cell.median).toBe(3);
    expect(cell.text).toContain('1 failed: fleetbench timed out');
    expect(cpuCell([{ error: 'boom' }]).text).toBe('failed: boom');
  });

  it('parses --rounds', () => {
    expect(parseRounds(['--quick'])).toBeUndefined();
    expect(parseRounds(['--rounds', '5'])).toBe(5);
    expect(parseRounds(['--rounds=2'])).toBe(2);
    expect(parseRounds(['--rounds', 'x'])).toMatch(/whole number/);
  });

  it("brokerRate is the slope of the broker's values inside the window, and undefined with fewer than two", () => {
    const series = [
      { atMs: 500, value: 0 },
      { atMs: 1000, value: 100 },
      { atMs: 2000, value: 1100 },
      { atMs: 3000, value: 2100 },
      { atMs: 4000, value: 2200 },
    ];
    expect(brokerRate(series, { fromMs: 1000, toMs: 3000 })).toBe(1000);
    expect(brokerRate(series, { fromMs: 1500, toMs: 2500 })).toBeUndefined();
  });

  it('transientVerdict holds the first 3 s to 2× the median of the seconds after them', () => {
    expect(transientVerdict([3, 2, 1, 1, 1.5, 1, 2])).toEqual({ worst: 3, steady: 1, ok: false });
    expect(transientVerdict([2, 2, 1, 1, 1.5, 1, 2])).toEqual({ worst: 2, steady: 1, ok: true });
    expect(transientVerdict([2, 2, 1])).toBeUndefined();
  });
});
