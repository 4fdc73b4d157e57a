// Free ports for server devices whose scenario left the port open (Driver.freePorts): a block
// of `count` consecutive ports, each bindable right now on the host and transport the group
// uses, chosen from a random base so that runs started side by side do not probe the same
// block. The probe sockets close before the workers bind, so another program could take a port
// in between; that shows as a counted connect error, never as silent cross-talk.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { Plan } from '../dsl/plan.ts';
import { FREE_PORT_ATTEMPTS, findFreeBlock } from '../protocols/free-ports.ts';
import { driverFor } from '../protocols/registry.ts';

/** Per group whose driver asks for free ports: the base port chosen. */
export async function choosePorts(plan: Plan): Promise<Record<string, number>> {
  const chosen: Record<string, number> = {};
  const taken: [number, number][] = [];
  for (const g of plan.groups) {
    const driver = driverFor(g.protocol);
    const want = driver?.freePorts?.(g.options);
    if (!driver || !want) continue;
    const base = await findFreeBlock(want.host, driver.transport, g.count, taken);
    if (base === undefined)
      throw new FleetbenchError(
        ErrorCodes.TARGET_INVALID,
        `${g.name}: found no ${g.count} free consecutive ${driver.transport} ports on ${want.host} in ${FREE_PORT_ATTEMPTS} tries; give the fleet's serve port explicitly`,
      );
    chosen[g.name] = base;
    taken.push([base, base + g.count - 1]);
  }
  return chosen;
}
