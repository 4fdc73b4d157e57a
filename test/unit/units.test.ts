// Human units in scenarios: durations, rates and sizes, and how the CLI prints them back.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDurationMs, formatEnergyBand, formatLifeBand, formatUs } from '../../src/base/format.ts';
import { parseDuration, parseRate, parseSize } from '../../src/base/units.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['500us', 0.5],
    ['2h', 7_200_000],
    ['0', 0],
    ['0s', 0],
    [' 2s ', 2000],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it('takes numbers as milliseconds', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration(0.25)).toBe(0.25);
  });

  it.each(['', '   ', 'abc', '5x', '5', '-1s', '1s junk', 'junk 1s', 's', '1.s', '5min'])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each([NaN, -1, -0.5, Infinity, -Infinity])('rejects the number %d', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each([null, undefined, true, {}, ['1s']])('rejects non-string, non-number %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('parseRate', () => {
  it.each([
    ['5/s', 5],
    ['5/sec', 5],
    ['300/m', 5],
    ['1/2s', 0.5],
    ['1/500ms', 2],
    ['10/min', 10 / 60],
    ['2/h', 2 / 3600],
    ['0.5/s', 0.5],
    ['0/s', 0],
    [' 5 / s ', 5],
  ])('%j is %d per second', (input, perS) => {
    expect(parseRate(input)).toBeCloseTo(perS, 12);
  });

  it('takes numbers as events per second', () => {
    expect(parseRate(20)).toBe(20);
    expect(parseRate(0)).toBe(0);
  });

  it.each(['5', '/s', 'x/s', '5/0s', '5/x', '-5/s', '5/s/s', '', 'fast'])('rejects %j', (input) => {
    expect(parseRate(input)).toBeUndefined();
  });

  it.each([NaN, -1, Infinity])('rejects the number %d', (input) => {
    expect(parseRate(input)).toBeUndefined();
  });
});

describe('parseSize', () => {
  it.each([
    ['24B', 24],
    ['24', 24],
    ['24b', 24],
    ['1kb', 1000],
    ['2KiB', 2048],
    ['1.5KiB', 1536],
    ['2 MB', 2_000_000],
    ['1MiB', 1_048_576],
  ])('%j is %d bytes', (input, n) => {
    expect(parseSize(input)).toBe(n);
  });

  it('takes whole numbers as bytes', () => {
    expect(parseSize(64)).toBe(64);
    expect(parseSize(0)).toBe(0);
  });

  it.each(['0.5B', '1 GB', 'KiB', 'abc', '-1B', ''])('rejects %j', (input) => {
    expect(parseSize(input)).toBeUndefined();
  });

  it.each([24.5, -1, NaN])('rejects the number %d', (input) => {
    expect(parseSize(input)).toBeUndefined();
  });
});

describe('formatUs', () => {
  it.each([
    [0, '0µs'],
    [999, '999µs'],
    [1000, '1.00ms'],
    [1500, '1.50ms'],
    [1_000_000, '1.00s'],
    [2_500_000, '2.50s'],
  ])('%d µs prints as %s', (us, text) => {
    expect(formatUs(us)).toBe(text);
  });

  it('prints a dash for values that are not finite', () => {
    expect(formatUs(NaN)).toBe('-');
    expect(formatUs(Infinity)).toBe('-');
  });

  // A value that rounds up to the next unit must print in that unit (a mean of 999.6 µs is not "1000µs").
  it('never prints 1000 of a unit when it rounds up to the next one', () => {
    expect(formatUs(999.6)).toBe('1.00ms');
    expect(formatUs(999_999)).toBe('1.00s');
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0ms'],
    [0.5, '0.5ms'],
    [250, '250ms'],
    [1500, '1.5s'],
    [90_000, '90s'],
    [120_000, '2m'],
    [3_600_000, '1h'],
    [5_400_000, '90m'],
  ])('%d ms prints as %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('prints what parseDuration reads back', () => {
    for (const ms of [250, 1500, 90_000, 120_000, 3_600_000, 5_400_000])
      expect(parseDuration(formatDurationMs(ms))).toBe(ms);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0B'],
    [512, '512B'],
    [1024, '1.0KiB'],
    [1536, '1.5KiB'],
    [1_048_576, '1.0MiB'],
    [5 * 1_048_576, '5.0MiB'],
  ])('%d bytes prints as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it('never prints 1024 of a unit when it rounds up to the next one', () => {
    expect(formatBytes(1023.6)).toBe('1.0KiB');
    expect(formatBytes(1_048_575)).toBe('1.0MiB');
  });
});

describe('formatLifeBand and formatEnergyBand', () => {
  it('print the range in the unit of the central value, and leave out a range with equal ends', () => {
    expect(formatLifeBand(3686, [3577, 3760])).toBe('10.1 y (9.8–10.3)');
    expect(formatLifeBand(3200, [2880, 3360])).toBe('8.77 y (7.89–9.21)');
    expect(formatLifeBand(170, [153, 178.5])).toBe('170.0 d (153.0–178.5)');
    expect(formatLifeBand(0.5, [0.25, 0.75])).toBe('12.0 h (6.0–18.0)');
    expect(formatLifeBand(3200, [3200, 3200])).toBe('8.77 y');
    expect(formatLifeBand(Infinity, [1, Infinity])).toBe('∞');
    expect(formatEnergyBand(2.93, [2.78, 3.22])).toBe('2.930 (2.780–3.220)');
    expect(formatEnergyBand(55.1, [55.1, 55.1])).toBe('55.1');
  });
});
