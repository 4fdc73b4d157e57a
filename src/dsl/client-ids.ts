// Client ids that would collide at a server: two devices with one client id on one target take
// each other's session over (MQTT [MQTT-3.1.4-2]: the server disconnects the existing client),
// and the run would measure a fight between its own devices. Refused when the scenario loads,
// naming both groups and the field, for protocols whose driver says ids identify sessions.
import type { Checker } from '../base/check.ts';
import { defaults } from '../base/defaults.ts';
import { driverFor } from '../protocols/registry.ts';
import { renderTopic } from '../protocols/topics.ts';
import type { GroupPlan } from './plan.ts';

/** Above this many devices in all, ids are not enumerated (only the template rule is checked). */
const MAX_ENUMERATED = 1_000_000;

export function checkClientIds(check: Checker, groups: readonly GroupPlan[], pathOf: (g: GroupPlan) => string): void {
  const owners = new Map<string, string>();
  let budget = MAX_ENUMERATED;
  for (const g of groups) {
    if (!driverFor(g.protocol)?.uniqueClientIds) continue;
    const template = (g.options as { clientId?: string }).clientId ?? defaults.clientId;
    const path = `${pathOf(g)}.protocol.clientId`;
    if (g.count > 1 && !template.includes('{id}')) {
      check.note(
        path,
        `all ${g.count} devices of ${g.name} would connect with the client id ${JSON.stringify(template)}, and the broker keeps one session per client id (each connect takes the last one over); put {id} in it`,
      );
      continue;
    }
    budget -= g.count;
    if (budget < 0) return;
    // A group that takes sessions over on purpose (a probe of [MQTT-3.1.4-2]) may share ids.
    if ((g.options as { takeover?: boolean }).takeover === true) continue;
    for (let i = 0; i < g.count; i++) {
      // {run} is the same for every group of a run: left as written, it cannot tell two apart.
      const id = renderTopic(template, g.name, i, '{run}');
      const key = `${g.target}\u0000${id}`;
      const other = owners.get(key);
      if (other === undefined) {
        owners.set(key, g.name);
        continue;
      }
      check.note(
        path,
        `${g.name} and ${other} would both connect to target ${JSON.stringify(g.target)} with the client id ${JSON.stringify(id)}, and the broker would take one's session over with the other's; give each group client ids of its own ({fleet} in the template, as in the default '${defaults.clientId}')`,
      );
      break;
    }
  }
}
