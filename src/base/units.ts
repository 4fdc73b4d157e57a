// Parsing of the human units used in scenarios: durations ('30s', '250ms', '1h30m'),
// rates ('5/s', '300/m') and sizes ('24B', '2KiB'). Each parser returns undefined on
// malformed input so the validator can name the field that was wrong.

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const RATE_PER_S: Record<string, number> = { ms: 1000, s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1_000_000, mib: 1_048_576 };

/** A duration string or a number of milliseconds. */
export type Duration = string | number;
/** A rate string like '5/s', '300/m' or a number of events per second. */
export type Rate = string | number;

/** Milliseconds, or undefined when `input` is not a duration. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (text === '0') return 0;
  const parts = text.matchAll(/(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)/g);
  let total = 0;
  let consumed = 0;
  for (const part of parts) {
    if (part.index !== consumed) return undefined;
    const unit = DURATION_UNITS_MS[part[2] as string];
    if (unit === undefined) return undefined;
    total += Number(part[1]) * unit;
    consumed += part[0].length;
  }
  return consumed > 0 && consumed === text.length ? total : undefined;
}

/** Events per second, or undefined when `input` is not a rate. */
export function parseRate(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|sec|m|min|h)\s*$/.exec(input);
  if (!match) return undefined;
  const per = RATE_PER_S[match[3] as string];
  if (per === undefined) return undefined;
  const every = match[2] === undefined ? 1 : Number(match[2]);
  if (every <= 0) return undefined;
  return (Number(match[1]) * per) / every;
}

/** Bytes, or undefined when `input` is not a size. */
export function parseSize(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]i?[bB]|[bB])?\s*$/.exec(input);
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? 'b').toLowerCase()];
  if (unit === undefined) return undefined;
  const value = Number(match[1]) * unit;
  return Number.isInteger(value) ? value : undefined;
}

const BIT_RATE_BYTES: Record<string, number> = {
  bit: 1 / 8,
  kbit: 1000 / 8,
  mbit: 1_000_000 / 8,
  gbit: 1_000_000_000 / 8,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1_000_000,
  mib: 1_048_576,
};

/** A link's rate ('250kbit/s', '1Mbit/s', '64KiB/s') in bytes per second, or undefined. */
export function parseBitRate(input: unknown): number | undefined {
  if (typeof input !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(bit|kbit|Mbit|Gbit|B|kB|KiB|MB|MiB)\s*\/\s*s\s*$/.exec(input);
  if (!match) return undefined;
  const unit = BIT_RATE_BYTES[(match[2] as string).toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

/** A percentage ('1%', '0.5 %') as a fraction from 0 to 1, or undefined. */
export function parsePercent(input: unknown): number | undefined {
  if (typeof input !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(input);
  if (!match) return undefined;
  const value = Number(match[1]) / 100;
  return value <= 1 ? value : undefined;
}
