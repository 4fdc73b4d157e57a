// The main thread compiles a scenario once (src/dsl/compile.ts): local .ts imports are bundled
// and keep their own import.meta.url, 'fleetbench' is the module this process runs, and a file
// that does not compile is a FleetbenchError naming file, line and column.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as fleetbench from '../../src/index.ts';
import { ErrorCodes, FleetbenchError, loadScenario } from '../../src/index.ts';

const dir = join(fileURLToPath(new URL('../.tmp', import.meta.url)), `compile-${process.pid}`);
mkdirSync(join(dir, 'lib'), { recursive: true });
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('scenario compile', () => {
  it('bundles local imports, keeps their import.meta.url, and shares fleetbench with this process', async () => {
    write('lib/devices.ts', 'export const count: number = 3;\nexport const here = import.meta.url;\n');
    const file = write(
      'with-helper.ts',
      [
        "import { defineScenario, every, mqtt } from 'fleetbench';",
        "import { count, here } from './lib/devices.ts';",
        'export { defineScenario, here };',
        "export default defineScenario({ name: 'helper', duration: '1s', fleets: { a: { count, protocol: mqtt({}), topic: 't', send: every('1s') } } });",
      ].join('\n'),
    );
    const loaded = await loadScenario(file);
    expect(loaded.plan.groups[0]?.count).toBe(3);
    expect(loaded.module).toMatch(/^file:.*\.mjs$/);
    const mod = (await import(loaded.module)) as { here: string; defineScenario: unknown };
    expect(mod.here).toBe(pathToFileURL(join(dir, 'lib/devices.ts')).href);
    expect(mod.defineScenario).toBe(fleetbench.defineScenario);
  });

  it('reports a syntax error as a FleetbenchError with file, line and column', async () => {
    const file = write(
      'broken.ts',
      "import { defineScenario } from 'fleetbench';\nexport default defineScenario({ name: 'x',\n",
    );
    const err = await loadScenario(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetbenchError);
    expect((err as FleetbenchError).code).toBe(ErrorCodes.SCENARIO_LOAD);
    expect((err as Error).message).toMatch(/broken\.ts: could not load the scenario: .*broken\.ts:3:1: /);
  });

  it('reports a missing local import by name', async () => {
    const file = write('missing.ts', "import { x } from './nowhere.ts';\nexport default x;\n");
    await expect(loadScenario(file)).rejects.toThrow(/missing\.ts:1:\d+: Could not resolve "\.\/nowhere\.ts"/);
  });
});
