// Scenario inputs from the environment, declared: `defineScenario({ env: { RATE: '10/s' } }, (env) => ({...}))`.
// Each declared name takes its value from `-e NAME=value`, else the process environment, else its
// default; the resolved values are recorded in the result and handed to the workers, which
// build the same scenario from the same values.
import { show } from '../base/check.ts';
import { ErrorCodes, FleetbenchError, ScenarioError } from '../base/errors.ts';

/** The resolved inputs a scenario builder reads: only declared names exist. */
export type ScenarioEnv<K extends string = string> = Readonly<Record<K, string>>;

/** What the two-argument defineScenario returns: the declaration and the builder, built at load time. */
export interface ScenarioWithEnv<K extends string = string, S = unknown> {
  env: Readonly<Record<K, string>>;
  build: (env: ScenarioEnv<K>) => S;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isScenarioWithEnv(value: unknown): value is ScenarioWithEnv {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { build?: unknown }).build === 'function' &&
    'env' in value
  );
}

/**
 * The value of every declared name: `given` (-e) over `processEnv` over the default. A `given`
 * name the scenario does not declare is a usage error naming -e, the file and the declared names.
 */
export function resolveEnv(
  file: string,
  declared: unknown,
  given: Readonly<Record<string, string>>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const defaults: Record<string, string> = {};
  if (declared !== undefined) {
    if (typeof declared !== 'object' || declared === null || Array.isArray(declared))
      throw new ScenarioError(file, [
        `env: expected an object of default values, e.g. { RATE: '10/s' }, got ${show(declared)}`,
      ]);
    const problems: string[] = [];
    for (const [name, value] of Object.entries(declared)) {
      if (!NAME.test(name)) problems.push(`env.${name}: a name of letters, digits and _ (not starting with a digit)`);
      else if (typeof value !== 'string')
        problems.push(`env.${name}: expected a string default value, got ${show(value)}`);
      else defaults[name] = value;
    }
    if (problems.length > 0) throw new ScenarioError(file, problems);
  }
  const names = Object.keys(defaults);
  for (const name of Object.keys(given)) {
    if (!(name in defaults))
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        `-e ${name}: ${file} does not declare ${name} in its env (${names.length > 0 ? `declared: ${names.join(', ')}` : 'it declares none'})`,
      );
  }
  const resolved: Record<string, string> = {};
  for (const name of names) resolved[name] = given[name] ?? processEnv[name] ?? (defaults[name] as string);
  return resolved;
}

/** The builder's view of `resolved`: reading an undeclared name throws, naming it and the declared ones. */
export function envView(file: string, resolved: Readonly<Record<string, string>>): ScenarioEnv {
  return new Proxy(Object.freeze({ ...resolved }), {
    get(target, key) {
      if (typeof key !== 'string' || key in target) return Reflect.get(target, key);
      throw new FleetbenchError(
        ErrorCodes.SCENARIO_INVALID,
        `env.${key} is not declared in ${file} (declared: ${Object.keys(target).join(', ') || 'none'}); add it to env: { ... } with a default`,
      );
    },
  });
}

/** Parses `-e NAME=value` flags (repeatable). */
export function parseEnvArgs(values: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
    if (!m)
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        // Only the part before '=' is shown: the value may be a secret.
        `-e ${JSON.stringify(value.split('=')[0])}: expected NAME=value, e.g. -e RATE=20/s (NAME of letters, digits and _)`,
      );
    env[m[1] as string] = m[2] as string;
  }
  return env;
}
