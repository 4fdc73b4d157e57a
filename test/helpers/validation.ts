// The problems validation reports for a scenario object, or a failure when it accepts it.

import { validateScenario } from '../../src/dsl/validate.ts';
import { ScenarioError } from '../../src/index.ts';

export function problemsOf(scenario: unknown, file: string): readonly string[] {
  try {
    validateScenario(scenario, file);
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  throw new Error('validateScenario accepted an invalid scenario');
}
