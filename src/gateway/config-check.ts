// A small path-aware checker for the gateway's JSON configuration: every problem names the
// field path and what was expected, e.g. `webhook.retries: expected an integer from 0 to 20, got -1`.
// (The gateway is kept apart from the scenario DSL, so it does not share src/dsl/check.ts.)

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export class ConfigChecker {
  readonly problems: string[] = [];

  fail(path: string, expected: string, got: unknown): undefined {
    this.problems.push(`${path}: expected ${expected}, got ${show(got)}`);
    return undefined;
  }

  note(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  /** An optional section: undefined stays undefined, anything else must be an object with known fields. */
  section(path: string, value: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return this.fail(path || '(top level)', 'an object', value);
    const o = value as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key))
        this.note(path ? `${path}.${key}` : key, `unknown field (expected one of ${allowed.join(', ')})`);
    }
    return o;
  }

  string(path: string, value: unknown, fallback?: string): string | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    return typeof value === 'string' && value.length > 0 ? value : this.fail(path, 'a non-empty string', value);
  }

  optionalString(path: string, value: unknown): string | undefined {
    return value === undefined ? undefined : this.string(path, value);
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
    return this.fail(
      path,
      min === 1 && max >= 2 ** 31 - 1 ? 'a positive integer' : `an integer from ${min} to ${max}`,
      value,
    );
  }

  oneOf<T>(path: string, value: unknown, choices: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (choices.includes(value as T)) return value as T;
    this.fail(path, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
    return fallback;
  }

  /** A URL with one of `schemes`. */
  url(path: string, value: unknown, schemes: readonly string[]): string | undefined {
    const s = this.string(path, value);
    if (s === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return this.fail(path, `a URL like ${schemes[0]}://127.0.0.1`, s);
    }
    if (!schemes.includes(u.protocol.replace(/:$/, '')))
      return this.fail(path, `a ${schemes.map((x) => `${x}://`).join(' or ')} URL`, s);
    if (!u.hostname) return this.fail(path, 'a URL with a host', s);
    return s;
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
