// Validation of what a sender sends and when: its schedule (every, poisson, stages) and its
// payload (bytes, json, template), each problem reported at its field path.
import type { Checker } from '../base/check.ts';
import { checkScheduleLimits } from './limits.ts';
import { DEFAULT_PAYLOAD, type JsonSpec, MIN_PAYLOAD_BYTES, type PayloadSpec } from './payload.ts';
import type { ResolvedSchedule } from './schedule.ts';

/** The schedule at `path`, its units resolved and its per-device rate within LIMITS. */
export function resolveSchedule(check: Checker, path: string, raw: unknown): ResolvedSchedule | undefined {
  const schedule = resolveShape(check, path, raw);
  if (schedule) checkScheduleLimits(check, path, schedule);
  return schedule;
}

function resolveShape(check: Checker, path: string, raw: unknown): ResolvedSchedule | undefined {
  if (!check.isObject(raw)) return check.fail(path, "a schedule: every('1s'), poisson('5/s') or stages([...])", raw);
  switch (raw.kind) {
    case 'every': {
      const intervalMs = check.duration(`${path}.interval`, raw.interval, { positive: true });
      const jitterMs = check.duration(`${path}.jitter`, raw.jitter, { fallback: 0 });
      if (intervalMs !== undefined && jitterMs !== undefined && jitterMs >= intervalMs / 2)
        check.fail(`${path}.jitter`, `less than half the interval (${intervalMs / 2}ms)`, raw.jitter);
      if (intervalMs === undefined || jitterMs === undefined) return undefined;
      return { kind: 'every', intervalUs: intervalMs * 1000, jitterUs: jitterMs * 1000 };
    }
    case 'poisson': {
      const ratePerS = check.rate(`${path}.rate`, raw.rate);
      return ratePerS === undefined ? undefined : { kind: 'poisson', ratePerS };
    }
    case 'stages': {
      if (!Array.isArray(raw.stages) || raw.stages.length === 0)
        return check.fail(`${path}.stages`, "a non-empty list of { target: '10/s', duration: '30s' }", raw.stages);
      const fromPerS = check.rate(`${path}.from`, raw.from, { fallback: 0, allowZero: true });
      const arrival = check.oneOf(`${path}.arrival`, raw.arrival, ['uniform', 'poisson'] as const, 'uniform');
      const stages = (raw.stages as unknown[]).map((s, i) => {
        const stage = check.object(`${path}.stages[${i}]`, s);
        if (!stage) return undefined;
        const targetPerS = check.rate(`${path}.stages[${i}].target`, stage.target, { allowZero: true });
        const durationMs = check.duration(`${path}.stages[${i}].duration`, stage.duration, { positive: true });
        return targetPerS === undefined || durationMs === undefined
          ? undefined
          : { targetPerS, durationUs: durationMs * 1000 };
      });
      if (fromPerS === undefined || arrival === undefined || stages.some((s) => s === undefined)) return undefined;
      return {
        kind: 'stages',
        fromPerS,
        stages: stages as { targetPerS: number; durationUs: number }[],
        poisson: arrival === 'poisson',
      };
    }
    default:
      return check.fail(path, "a schedule: every('1s'), poisson('5/s') or stages([...])", raw);
  }
}

export function resolvePayload(check: Checker, path: string, raw: unknown): PayloadSpec | undefined {
  if (raw === undefined) return DEFAULT_PAYLOAD;
  if (!check.isObject(raw)) return check.fail(path, 'a payload: bytes(24), json(fn) or template(text)', raw);
  const sizeOk = (size: unknown, field: string): size is number | undefined => {
    if (size === undefined) return true;
    if (typeof size === 'number' && Number.isInteger(size) && size >= MIN_PAYLOAD_BYTES && size <= 268_435_455)
      return true;
    check.fail(
      `${path}.${field}`,
      `an integer size of at least ${MIN_PAYLOAD_BYTES} bytes (the measurement stamp)`,
      size,
    );
    return false;
  };
  switch (raw.kind) {
    case 'bytes': {
      const size = raw.size;
      if (size === undefined) return check.fail(`${path}.size`, 'a size in bytes', size);
      return sizeOk(size, 'size') && size !== undefined ? { kind: 'bytes', size } : undefined;
    }
    case 'json': {
      const { fn, size } = raw;
      if (typeof fn !== 'function') return check.fail(`${path}.fn`, 'a function returning the JSON value', fn);
      if (!sizeOk(size, 'size')) return undefined;
      // The scenario's own function: called with a PayloadContext, whatever it returns is encoded.
      const call = fn as JsonSpec['fn'];
      return size === undefined ? { kind: 'json', fn: call } : { kind: 'json', fn: call, size };
    }
    case 'template': {
      const { text, size } = raw;
      if (typeof text !== 'string') return check.fail(`${path}.text`, 'a template string', text);
      if (!sizeOk(size, 'size')) return undefined;
      return size === undefined ? { kind: 'template', text } : { kind: 'template', text, size };
    }
    default:
      return check.fail(path, 'a payload: bytes(24), json(fn) or template(text)', raw);
  }
}
