// Target URLs given on the command line (--target name=url), over the scenario's targets.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { checkTargetUrl, maskUrl } from '../base/url.ts';
import type { Plan } from '../dsl/plan.ts';
import { driverFor, exampleTarget } from '../protocols/registry.ts';

/**
 * Parses `name=url` pairs given on the command line. A name is what the scenario calls the target
 * (a protocol name or a `target` option): no ':', '/', '@', '=' or space, so a bare URL whose
 * password holds '=' is not split there. Messages show the value with its password masked.
 */
export function parseTargetArgs(values: readonly string[]): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const value of values) {
    const m = /^([^=:/@\s]+)=(.+)$/s.exec(value);
    if (!m) {
      const bare = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)
        ? ' (a URL without a name: give the target name first)'
        : '';
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        `--target ${JSON.stringify(maskUrl(value))}: expected name=url, e.g. ${exampleTarget()}${bare}`,
      );
    }
    targets[m[1] as string] = m[2] as string;
  }
  return targets;
}

/**
 * Every --target names a target the scenario uses (else it would silently test the embedded
 * server instead) and holds a URL that target's protocol accepts; messages name the flag.
 */
export function checkTargetArgs(plan: Plan, given: Record<string, string>): void {
  const used = [...new Set(plan.groups.map((g) => g.target))];
  for (const [name, url] of Object.entries(given)) {
    const group = plan.groups.find((g) => g.target === name);
    if (!group)
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        `--target ${name}=…: ${plan.file} has no target named ${JSON.stringify(name)} (its targets: ${used.join(', ')})`,
      );
    const problem = checkTargetUrl(url, driverFor(group.protocol)?.schemes ?? []);
    if (problem) throw new FleetbenchError(ErrorCodes.TARGET_INVALID, `--target ${name}=…: ${problem}`);
  }
}
