// Target URLs given on the command line (--target name=url), over the scenario's targets.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { exampleTarget } from '../protocols/registry.ts';

/** Parses `name=url` pairs given on the command line. */
export function parseTargetArgs(values: readonly string[]): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) {
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        `--target ${JSON.stringify(value)}: expected name=url, e.g. ${exampleTarget()}`,
      );
    }
    targets[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return targets;
}
