// Loading a scenario file: .ts (or .js/.mts) is imported through tsx at run time, so users
// need no build step. Any failure becomes a FleetbenchError naming the file, never a stack.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
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
}

export interface LoadOptions {
  /** `-e NAME=value`: over the process environment and the declared defaults; undeclared names are refused. */
  env?: Readonly<Record<string, string>>;
  /** Where undeclared-by-flag values come from; workers pass {} so they use exactly the main thread's values. */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** What the run chose that the scenario left open (free ports). */
  choices?: RunChoices;
}

export async function loadScenario(file: string, options: LoadOptions = {}): Promise<LoadedScenario> {
  const path = resolve(file);
  if (!existsSync(path)) throw new FleetbenchError(ErrorCodes.SCENARIO_NOT_FOUND, `${file}: scenario file not found`);
  let mod: Record<string, unknown>;
  try {
    mod = await importScenario(path);
  } catch (err) {
    throw new FleetbenchError(ErrorCodes.SCENARIO_LOAD, `${file}: could not load the scenario: ${firstLines(err)}`, {
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
    ...(env ? { env } : {}),
  };
}

/** Loads of this process so far: each load evaluates the file anew (it may have changed). */
let loads = 0;

/**
 * Imports the scenario. Where TypeScript already loads (the fleetbench executable and its
 * workers register tsx; a test runner transforms it), a plain import evaluates only the
 * scenario: what it imports (fleetbench itself) is already loaded and shared, where tsImport's
 * private namespace would load all of fleetbench again, about half a CPU-second per load. The
 * query makes each load a module of its own. Elsewhere (a plain `node` importing the API),
 * tsImport compiles it.
 */
async function importScenario(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(`${url}?load=${++loads}`)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  }
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
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
