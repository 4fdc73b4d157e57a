// Strict parsing of numeric command-line values: yargs' `number` turns 'abc' into NaN and '1.5'
// into 1.5 silently, so these flags are read as strings and checked here, naming the flag.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';

/** Worker threads at most: each is a V8 isolate (tens of MiB); more than this is a typo, not a machine. */
export const MAX_WORKERS = 256;

/** An integer flag from `min` to `max`, or undefined when absent; repeated or malformed values are refused. */
export function integerFlag(flag: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value))
    throw new FleetbenchError(ErrorCodes.OPTION_INVALID, `${flag}: given ${value.length} times; give it once`);
  const text = String(value).trim();
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(String(value))}`,
    );
  return n;
}

/** A string flag given at most once. */
export function onceFlag(flag: string, value: unknown): string | undefined {
  if (Array.isArray(value))
    throw new FleetbenchError(ErrorCodes.OPTION_INVALID, `${flag}: given ${value.length} times; give it once`);
  return value === undefined ? undefined : String(value);
}
