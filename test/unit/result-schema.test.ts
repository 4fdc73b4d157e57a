// The result schema's combinators: every problem names the JSON path and what was expected, and
// `fields<T>` must list every field of T (checked by the compiler).
import { describe, expect, it } from 'vitest';
import { resultShape } from '../../src/result/schema.ts';
import { array, check, fields, int, nullable, num, optional, record, str } from '../../src/result/shape.ts';

describe('result shape', () => {
  it('names the path and the expectation, quoting keys that are not plain words', () => {
    const shape = fields<{ a: number; b: string[]; c: Record<string, number> }>({
      a: num,
      b: array(str),
      c: record(int),
    });
    expect(check(shape, { a: '12', b: ['x', 3], c: { 'gps>backend|e2e': -1 } })).toEqual([
      'a: expected a number, got "12"',
      'b[1]: expected a string, got 3',
      'c["gps>backend|e2e"]: expected a whole number ≥ 0, got -1',
    ]);
    expect(check(shape, [])).toEqual(['(top level): expected an object, got an array']);
  });

  it('says when null is also allowed, and lets optional fields be absent', () => {
    const shape = fields<{ x: number | null; y?: string }>({ x: nullable(num), y: optional(str) });
    expect(check(shape, { x: null })).toEqual([]);
    expect(check(shape, { x: 'a', y: 1 })).toEqual([
      'x: expected a number or null, got "a"',
      'y: expected a string, got 1',
    ]);
  });

  it('lists at most 10 problems', () => {
    expect(check(resultShape, { schema: 'fleetbench.result/1', run: {} })).toHaveLength(10);
  });

  it('will not compile a field list that misses a field of its type', () => {
    // @ts-expect-error: `b` is missing
    fields<{ a: number; b: number }>({ a: num });
    expect(true).toBe(true);
  });
});
