// Small combinators that check a parsed JSON value against a declared shape and say, for every
// field that does not fit, its JSON path and what was expected: the result schema (schema.ts) is
// written with them. Unknown fields pass, so a newer result with added blocks still reads.
import { show } from '../base/check.ts';

/** Checks `value` found at `path`, pushing one line per problem into `out`. */
export type Shape = (value: unknown, path: string, out: string[]) => void;

/** Enough to see a pattern; a file that is wrong everywhere need not be listed in full. */
export const MAX_PROBLEMS = 10;

function fail(out: string[], path: string, expected: string, got: unknown): void {
  if (out.length < MAX_PROBLEMS) out.push(`${path}: expected ${expected}, got ${show(got)}`);
}

/** 'fleets.gps' or 'histograms["gps>backend|e2e"]': keys that are not plain words are quoted. */
export function child(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const num: Shape = (v, path, out) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(out, path, 'a number', v);
};

export const int: Shape = (v, path, out) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(out, path, 'a whole number ≥ 0', v);
};

export const str: Shape = (v, path, out) => {
  if (typeof v !== 'string') fail(out, path, 'a string', v);
};

export const bool: Shape = (v, path, out) => {
  if (typeof v !== 'boolean') fail(out, path, 'true or false', v);
};

/** Any object; its fields are not looked at (a protocol's own block, checked by nothing generic). */
export const anyObject: Shape = (v, path, out) => {
  if (!isObject(v)) fail(out, path, 'an object', v);
};

export function oneOf(...choices: readonly (string | number)[]): Shape {
  return (v, path, out) => {
    if (!choices.includes(v as string))
      fail(out, path, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, v);
  };
}

export function nullable(shape: Shape): Shape {
  return (v, path, out) => {
    if (v === null) return;
    const own: string[] = [];
    shape(v, path, own);
    // The first line is about this field itself when it names its path: it may also be null.
    const [first, ...rest] = own;
    if (first === undefined) return;
    const at = `${path}: expected `;
    const head = first.startsWith(at) ? first.replace(/, got /, ' or null, got ') : first;
    out.push(...[head, ...rest].slice(0, Math.max(0, MAX_PROBLEMS - out.length)));
  };
}

/** A field that may be absent (older results lack it). */
export function optional(shape: Shape): Shape {
  return (v, path, out) => {
    if (v !== undefined) shape(v, path, out);
  };
}

export function array(item: Shape): Shape {
  return (v, path, out) => {
    if (!Array.isArray(v)) return fail(out, path, 'an array', v);
    v.forEach((x, i) => {
      item(x, `${path}[${i}]`, out);
    });
  };
}

/** An object used as a map: every value has the same shape. */
export function record(value: Shape): Shape {
  return (v, path, out) => {
    if (!isObject(v)) return fail(out, path, 'an object', v);
    for (const [k, x] of Object.entries(v)) value(x, child(path, k), out);
  };
}

/**
 * An object with these fields. Typed against the TS interface it checks: the compiler rejects a
 * list that misses one of T's fields, so the schema and types.ts cannot drift apart. Extra
 * entries are allowed for fields another version adds.
 */
export function fields<T>(shapes: { [K in keyof T]-?: Shape } & Record<string, Shape>): Shape {
  return (v, path, out) => {
    if (!isObject(v)) return fail(out, path || '(top level)', 'an object', v);
    for (const [k, shape] of Object.entries(shapes)) shape(v[k], child(path, k), out);
  };
}

/** Checks `value` against `shape`; the problems found, at most MAX_PROBLEMS. */
export function check(shape: Shape, value: unknown): string[] {
  const out: string[] = [];
  shape(value, '', out);
  return out;
}
