// A tiny path-aware checker: every problem names the field path and what was expected,
// e.g. `fleets.gps.count: expected a positive integer, got -3`. The scenario DSL, the drivers'
// options and the gateway's JSON configuration all report through it.

import { parseDuration, parseRate } from './units.ts';
import { checkTargetUrl } from './url.ts';

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * An options type's field names, listed once for Checker.known: the compiler rejects a list that
 * misses a field of T or names one T lacks, so the list and the type cannot drift apart.
 * Usage: `const FIELDS = fieldsOf<MqttOptions>()(['version', 'qos', ...])`.
 */
export function fieldsOf<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> }),
  ): K => keys;
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

  /** An optional section: absent stays undefined, anything else must be an object with known fields. */
  section(path: string, value: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    const o = this.object(path || '(top level)', value);
    if (o) this.known(path, o, allowed);
    return o;
  }

  string(path: string, value: unknown, optional = false): string | undefined {
    if (value === undefined && optional) return undefined;
    return typeof value === 'string' && value.length > 0 ? value : this.fail(path, 'a non-empty string', value);
  }

  /** A non-empty string, or `fallback` when the field is absent. */
  stringOr(path: string, value: unknown, fallback: string): string {
    return value === undefined ? fallback : (this.string(path, value) ?? fallback);
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
    const range = `an integer from ${min} to ${max}`;
    if (typeof value === 'number' && Number.isInteger(value) && value > max)
      return this.fail(path, min === 1 ? `at most ${max}` : range, value);
    return this.fail(path, min === 1 ? 'a positive integer' : range, value);
  }

  /** One of `choices`; a wrong value is reported and the fallback (if any) stands in for it. */
  oneOf<T>(path: string, value: unknown, choices: readonly T[], fallback: T): T;
  oneOf<T>(path: string, value: unknown, choices: readonly T[], fallback?: T): T | undefined;
  oneOf<T>(path: string, value: unknown, choices: readonly T[], fallback?: T): T | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (choices.includes(value as T)) return value as T;
    this.fail(path, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
    return fallback;
  }

  /** Milliseconds. */
  duration(path: string, value: unknown, options: { fallback?: number; positive?: boolean } = {}): number | undefined {
    if (value === undefined && options.fallback !== undefined) return options.fallback;
    const ms = parseDuration(value);
    if (ms === undefined || (options.positive && ms <= 0))
      return this.fail(path, `a ${options.positive ? 'positive ' : ''}duration like '30s' or '250ms'`, value);
    return ms;
  }

  /**
   * Whole seconds, for protocol fields the wire carries in seconds (a Keep Alive, an expiry
   * interval, a heartbeat). A duration that is not a whole number of seconds is refused rather
   * than rounded: a bare number is milliseconds like every duration, so `keepalive: 30` would
   * otherwise round to 0 and silently disable what it meant to set. 0 is accepted only where
   * `zero` says what it means (it is then written on purpose: 0, '0s'). Undefined when the field
   * is absent without a fallback, or wrong.
   */
  seconds(
    path: string,
    value: unknown,
    options: { fallback?: number; zero?: string; max?: number } = {},
  ): number | undefined {
    if (value === undefined) return options.fallback;
    const ms = parseDuration(value);
    const example = "like '30s' or '5m' (a bare number is milliseconds)";
    if (ms === undefined) return this.fail(path, `a duration ${example}`, value);
    const zero = options.zero ? `; 0 ${options.zero}` : '';
    if (ms === 0 && options.zero) return 0;
    if (ms < 1000) return this.fail(path, `at least 1s, a duration ${example}${zero}`, value);
    if (ms % 1000 !== 0)
      return this.fail(path, `a whole number of seconds (the protocol carries seconds), ${example}`, value);
    const s = ms / 1000;
    if (options.max !== undefined && s > options.max) return this.fail(path, `at most ${options.max}s`, value);
    return s;
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

  /** A URL with one of `schemes` and a host. */
  url(path: string, value: unknown, schemes: readonly string[]): string | undefined {
    const s = this.string(path, value);
    if (s === undefined) return undefined;
    // The targets' rules (url.ts): a port from 1 to 65535, passwords never shown; no 'embedded' here.
    const problem =
      s === 'embedded' || s.startsWith('embedded:')
        ? `expected a URL like ${schemes[0]}://127.0.0.1, got ${JSON.stringify(s)}`
        : checkTargetUrl(s, schemes);
    if (problem === undefined) return s;
    this.note(path, problem);
    return undefined;
  }

  /** One string or a non-empty array of strings, each checked by `each` (which returns a problem or undefined). */
  strings(
    path: string,
    value: unknown,
    fallback: readonly string[] | undefined,
    each: (s: string) => string | undefined,
  ): string[] | undefined {
    if (value === undefined && fallback !== undefined) return [...fallback];
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0)
      return this.fail(path, 'a string or a non-empty array of strings', value);
    const out: string[] = [];
    list.forEach((item, i) => {
      const at = typeof value === 'string' ? path : `${path}[${i}]`;
      if (typeof item !== 'string' || item.length === 0) {
        this.fail(at, 'a non-empty string', item);
        return;
      }
      const problem = each(item);
      if (problem) this.note(at, problem);
      else out.push(item);
    });
    return out.length === list.length ? out : undefined;
  }
}
