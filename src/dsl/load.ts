// Loading a scenario file: .ts (or .js/.mts) is compiled once by the main thread (compile.ts),
// so users need no build step and worker threads import plain JavaScript. Any failure becomes a
// FleetbenchError naming the file, never a stack.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { CompileError, compileScenario } from './compile.ts';
import { envView, isScenarioWithEnv, resolveEnv, type ScenarioWithEnv } from './env.ts';
import type { Plan } from './plan.ts';
import { type RunChoices, validateScenario } from './validate.ts';

export interface LoadedScenario {
  plan: Plan;
  /** sha256 of the scenario file's bytes, first 16 hex chars: identifies what was run. */
  hash: string;
  /** The scenario as the user wrote it (holds payload functions; stays in this thread). */
  definition: Record<string, unknown>;
  /** The declared env's resolved values, when the scenario declares one (defineScenario({ env }, build)). */
  env?: Record<string, string>;
  /** URL of the compiled module: workers import it (LoadOptions.module) instead of compiling again. */
  module: string;
}

export interface LoadOptions {
  /** `-e NAME=value`: over the process environment and the declared defaults; undeclared names are refused. */
  env?: Readonly<Record<string, string>>;
  /** Where undeclared-by-flag values come from; workers pass {} so they use exactly the main thread's values. */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** What the run chose that the scenario left open (free ports). */
  choices?: RunChoices;
  /** The scenario as the main thread compiled it (LoadedScenario.module): imported, not compiled. */
  module?: string;
}

export async function loadScenario(file: string, options: LoadOptions = {}): Promise<LoadedScenario> {
  const path = resolve(file);
  if (!existsSync(path)) throw new FleetbenchError(ErrorCodes.SCENARIO_NOT_FOUND, `${file}: scenario file not found`);
  let mod: Record<string, unknown>;
  let module = options.module;
  try {
    module ??= await compileScenario(path);
    mod = (await import(module)) as Record<string, unknown>;
  } catch (err) {
    const why = err instanceof CompileError ? err.message : firstLines(err);
    throw new FleetbenchError(ErrorCodes.SCENARIO_LOAD, `${file}: could not load the scenario: ${why}`, {
      cause: err,
    });
  }
  // A scenario outside an ESM package is compiled as CommonJS: its default sits one level down.
  let definition = mod.default;
  if (definition && typeof definition === 'object' && 'default' in definition && !('fleets' in definition))
    definition = (definition as { default: unknown }).default;
  let env: Record<string, string> | undefined;
  if (isScenarioWithEnv(definition)) {
    env = resolveEnv(file, definition.env, options.env ?? {}, options.processEnv ?? process.env);
    definition = build(file, definition, env);
  } else resolveEnv(file, undefined, options.env ?? {}, {}); // refuses any -e: nothing is declared
  const plan = validateScenario(definition, file, options.choices);
  const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  return {
    plan,
    hash,
    definition: definition as Record<string, unknown>,
    module,
    ...(env ? { env } : {}),
  };
}

/** Runs the scenario's builder on its env; a throw becomes an error naming the file, never a stack. */
function build(file: string, scenario: ScenarioWithEnv, env: Record<string, string>): unknown {
  try {
    return scenario.build(envView(file, env));
  } catch (err) {
    if (err instanceof FleetbenchError)
      throw new FleetbenchError(err.code, err.message.includes(file) ? err.message : `${file}: ${err.message}`);
    throw new FleetbenchError(ErrorCodes.SCENARIO_LOAD, `${file}: the scenario's builder failed: ${firstLines(err)}`, {
      cause: err,
    });
  }
}

function firstLines(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').slice(0, 6).join('\n');
}
