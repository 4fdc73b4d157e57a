// A tiny path-aware checker: every problem names the field path and what was expected,
// e.g. `fleets.gps.count: expected a positive integer, got -3`.
import { parseDuration, parseRate } from './units.ts';

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export class Checker {
  readonly problems: string[] = [];

  fail(path: string, expected: string, got: unknown): undefined {
    this.problems.push(`${path}: expected ${expected}, got ${show(got)}`);
    return undefined;
  }

  note(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  object(path: string, value: unknown): Record<string, unknown> | undefined {
    return this.isObject(value) ? value : this.fail(path, 'an object', value);
  }

  /** Reports fields of `value` that are not in `allowed`. */
  known(path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.note(path ? `${path}.${key}` : key, `unknown field (expected one of ${allowed.join(', ')})`);
    }
  }

  string(path: string, value: unknown, optional = false): string | undefined {
    if (value === undefined && optional) return undefined;
    return typeof value === 'string' && value.length > 0 ? value : this.fail(path, 'a non-empty string', value);
  }

  boolean(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.fail(path, 'true or false', value);
    return fallback;
  }

  integer(path: string, value: unknown, min: number, max: number, fallback?: number): number | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    if (typeof value === 'number' && Number.isInteger(value) && value > max)
      return this.fail(path, `at most ${max}`, value);
    return this.fail(path, min === 1 ? 'a positive integer' : `an integer from ${min} to ${max}`, value);
  }

  oneOf<T>(path: string, value: unknown, choices: readonly T[], fallback?: T): T | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    return choices.includes(value as T)
      ? (value as T)
      : this.fail(path, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
  }

  /** Milliseconds. */
  duration(path: string, value: unknown, options: { fallback?: number; positive?: boolean } = {}): number | undefined {
    if (value === undefined && options.fallback !== undefined) return options.fallback;
    const ms = parseDuration(value);
    if (ms === undefined || (options.positive && ms <= 0))
      return this.fail(path, `a ${options.positive ? 'positive ' : ''}duration like '30s' or '250ms'`, value);
    return ms;
  }

  /** Events per second. */
  rate(path: string, value: unknown, options: { fallback?: number; allowZero?: boolean } = {}): number | undefined {
    if (value === undefined && options.fallback !== undefined) return options.fallback;
    const r = parseRate(value);
    if (r === undefined || (!options.allowZero && r <= 0))
      return this.fail(path, `a ${options.allowZero ? '' : 'positive '}rate like '5/s' or '300/m'`, value);
    return r;
  }

  /** Devices listening on consecutive ports (device i on port + i) must all fit below 65536. */
  portRange(path: string, port: number, count: number | undefined): void {
    if (count !== undefined && port + count - 1 > 65535)
      this.fail(
        path,
        `a base port such that port + count - 1 ≤ 65535 (device i listens on port + i; ${count} devices)`,
        port,
      );
  }
}
