// Inside a fresh worker thread: the runner's warm-up (src/runner/warm-up.ts), then one device
// per connect, one after the other, for every fleet of a scenario; returns each fleet's connect
// latencies in µs, in order. The first is what a worker's first measured connect would read.
import { loadScenario } from '../../src/dsl/load.ts';
import { IGNORE_EVENTS } from '../../src/protocols/driver.ts';
import { driverFor } from '../../src/protocols/registry.ts';
import { warmUp } from '../../src/runner/warm-up.ts';

export async function measureConnects(input: {
  scenario: string;
  targets: Record<string, string>;
  connects: number;
  runId: string;
}): Promise<Record<string, number[]>> {
  const { plan } = await loadScenario(input.scenario, { processEnv: {} });
  await warmUp(plan.groups, input.targets);
  const out: Record<string, number[]> = {};
  for (const group of plan.groups) {
    const driver = driverFor(group.protocol);
    const url = input.targets[group.target];
    if (!driver || url === undefined) continue;
    const times: number[] = [];
    for (let i = 0; i < input.connects; i++) {
      const device = driver.createDevice(
        {
          url,
          fleet: group.name,
          index: i,
          runId: input.runId,
          clientId: `${input.runId}-${group.name}-${i}`,
          options: group.options,
          connectTimeoutMs: 10_000,
        },
        IGNORE_EVENTS,
      );
      times.push(await device.connect());
      await device.close();
    }
    out[group.name] = times;
  }
  return out;
}
