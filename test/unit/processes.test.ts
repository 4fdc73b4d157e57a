// Generator processes on one machine: every device in exactly one process under any outer
// --shard, workers split over processes, the open-file limit read and turned into a count.
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/dsl/plan.ts';
import { parseOpenFileLimit, processesFor, RESERVED_FILES } from '../../src/runner/open-files.ts';
import { processPlan } from '../../src/runner/process-plan.ts';
import { processShard, workersPerProcess } from '../../src/runner/processes.ts';
import { ownedIndices, shardSize } from '../../src/runner/slices.ts';
import { fleetOf } from '../helpers/group-plan.ts';

const group = fleetOf;

describe('process slices', () => {
  it.each([
    [1, 2, 10],
    [1, 3, 100],
    [2, 2, 101],
    [3, 4, 1000],
    [4, 3, 7],
  ])('outer shards %i × %i processes, %i devices: every device once, in the shard it belonged to', (n, P, count) => {
    const seen: number[] = [];
    for (let i = 0; i < n; i++) {
      const inShard: number[] = [];
      for (let p = 0; p < P; p++) {
        const s = processShard({ index: i, count: n }, p, P);
        const workers = workersPerProcess(3, P);
        const w = workers[p] as number;
        const owned = Array.from({ length: w }, (_, k) => ownedIndices(group(count), s, k, w)).flat();
        expect(owned).toHaveLength(shardSize(count, s));
        // Device d is process p's iff d mod nP = i + n·p.
        for (const d of owned) expect(d % (n * P)).toBe(i + n * p);
        inShard.push(...owned);
      }
      // The processes of shard i together run exactly shard i's devices.
      expect(inShard.sort((a, b) => a - b)).toEqual(ownedIndices(group(count), { index: i, count: n }, 0, 1));
      seen.push(...inShard);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, d) => d));
  });

  it('splits the workers over the processes, at least one each', () => {
    expect(workersPerProcess(2, 2)).toEqual([1, 1]);
    expect(workersPerProcess(5, 2)).toEqual([3, 2]);
    expect(workersPerProcess(2, 3)).toEqual([1, 1, 1]);
    expect(workersPerProcess(1, 1)).toEqual([1]);
  });
});

describe('open-file limit', () => {
  const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             127431               127431               processes
Max open files            1024                 20000                files
Max locked memory         8388608              8388608              bytes
`;

  it('reads the soft and hard limits from /proc/<pid>/limits', () => {
    expect(parseOpenFileLimit(LIMITS)).toEqual({ soft: 1024, hard: 20000 });
    expect(parseOpenFileLimit(LIMITS.replace('1024  ', 'unlimited'))).toBeUndefined();
    expect(parseOpenFileLimit('Max processes 1 1 processes\n')).toBeUndefined();
  });

  it('counts the processes a number of sockets needs', () => {
    const limit = { soft: 20_000, hard: 20_000 };
    expect(processesFor(10, limit)).toBe(1);
    expect(processesFor(20_000 - RESERVED_FILES, limit)).toBe(1);
    expect(processesFor(20_000 - RESERVED_FILES + 1, limit)).toBe(2);
    expect(processesFor(30_000, limit)).toBe(2);
    expect(processesFor(30_000, undefined)).toBe(1);
  });

  const plan = { file: 'big.ts' } as Plan;
  const hard = { soft: 20_000, hard: 20_000 };

  it('spreads a run past the limit and says why', () => {
    expect(processPlan(plan, 10_000, undefined, hard)).toEqual({ processes: 1, notices: [] });
    const auto = processPlan(plan, 30_000, undefined, hard);
    expect(auto.processes).toBe(2);
    expect(auto.notices).toEqual([
      'big.ts: hard open-file limit 20000: 30,000 devices need 2 processes of at most 19,900 sockets each; running 2 generator processes (choose with --processes)',
    ]);
  });

  it('warns, naming --processes, when the count asked for cannot hold the sockets', () => {
    const one = processPlan(plan, 30_000, 1, hard);
    expect(one.processes).toBe(1);
    expect(one.notices[0]).toMatch(/hard open-file limit 20000: 30,000 devices need 2 processes/);
    expect(one.notices[0]).toMatch(/--processes 1 gives one up to 30,000: expect EMFILE .* use --processes 2$/);
    expect(processPlan(plan, 30_000, 3, hard)).toEqual({ processes: 3, notices: [] });
    // A soft limit that could not be raised is named as such.
    expect(processPlan(plan, 3_000, undefined, { soft: 1024, hard: 4096 }).notices[0]).toMatch(
      /open-file limit 1024 \(soft; the hard limit 4096 could not be raised/,
    );
  });

  it('refuses a process count that is not a positive integer (API callers)', () => {
    expect(() => processPlan(plan, 10, 0, hard)).toThrow('processes: expected an integer of at least 1, got 0');
    expect(() => processPlan(plan, 10, 1.5, hard)).toThrow('processes: expected an integer of at least 1, got 1.5');
  });
});
