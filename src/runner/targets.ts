// Target URLs: masking credentials for display, and choosing which URL each fleet uses
// (CLI --target over scenario targets over the embedded server).
import { ErrorCodes, FleetbenchError } from '../errors.ts';
import { maskUrl } from '../protocols/connect-errors.ts';

export { maskUrl };

/** Parses `name=url` pairs given on the command line. */
export function parseTargetArgs(values: readonly string[]): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) {
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        `--target ${JSON.stringify(value)}: expected name=url, e.g. mqtt=mqtt://127.0.0.1:1883`,
      );
    }
    targets[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return targets;
}

/** Checks a target URL's scheme; returns a problem description or undefined. */
export function checkTargetUrl(url: string, schemes: readonly string[]): string | undefined {
  if (url === 'embedded' || url.startsWith('embedded:')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `expected a URL like ${schemes[0]}://127.0.0.1, got ${JSON.stringify(maskUrl(url))}`;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme))
    return `expected a ${schemes.map((s) => `${s}://`).join(', ')} URL, got ${JSON.stringify(maskUrl(url))}`;
  if (!parsed.hostname) return `expected a host in ${JSON.stringify(maskUrl(url))}`;
  return undefined;
}
