// Cross-references between a scenario's groups, resolved once every group is built: observers'
// receives and their derived subscriptions, commands' targets, shared subscriptions.
import type { Checker } from '../base/check.ts';
import { driverFor } from '../protocols/registry.ts';
import type { GroupPlan } from './plan.ts';

/** The scenario section a group is written in, for messages: 'fleets', 'observers', 'commands'. */
export function sectionOf(group: GroupPlan): string {
  return group.kind === 'fleet' ? 'fleets' : group.kind === 'observer' ? 'observers' : 'commands';
}

/** What a receiver subscribes to in order to get a source's messages: its address and options. */
function addressOf(src: GroupPlan): { topic: string; name: string } | undefined {
  if (src.willOf) return { topic: src.willOf.topic, name: src.willOf.fleet };
  return src.publish ? { topic: src.publish.topic, name: src.name } : undefined;
}

/** Cross-references: observers' receives, commands' targets, default filters, replies. */
export function linkGroups(check: Checker, groups: GroupPlan[], raw: Record<string, unknown>): void {
  const byName = new Map(groups.map((g) => [g.name, g]));
  for (const group of [...groups]) {
    const path = `${sectionOf(group)}.${group.name}`;
    if (group.kind === 'observer') {
      group.receives.forEach((r, i) => {
        if (r.endsWith(WILL_SUFFIX) && !byName.has(r)) {
          const will = willGroup(
            check,
            `${path}.receives[${i}]`,
            byName.get(r.slice(0, -WILL_SUFFIX.length)),
            r,
            groups,
          );
          if (will) byName.set(r, will);
          return;
        }
        const source = byName.get(r);
        if (!source) check.note(`${path}.receives[${i}]`, `no fleet or command named ${JSON.stringify(r)}`);
        else if (!source.publish && !source.willOf)
          check.note(`${path}.receives[${i}]`, `${JSON.stringify(r)} does not send (it has no send/topic)`);
      });
      const driver = driverFor(group.protocol);
      if (!group.subscribe) {
        // Derived subscriptions: the receiving driver's rule, from the sender's address in
        // canonical form (see protocols/topics.ts).
        const derived = new Set<string>();
        group.receives.forEach((r, i) => {
          const src = byName.get(r);
          const address = src && addressOf(src);
          if (!src || !address) return;
          const source = {
            name: address.name,
            count: src.count,
            protocol: src.protocol,
            options: src.options,
            topic: address.topic,
            canonical: driverFor(src.protocol)?.canonicalTopic?.(address.topic) ?? address.topic,
          };
          const filters = driver?.subscriptionsFor?.(source, group.options);
          if (filters === undefined)
            check.note(
              `${path}.receives[${i}]`,
              `${JSON.stringify(r)} uses ${src.protocol}: ${group.protocol} observers cannot derive a subscription from it; give subscribe explicitly`,
            );
          else for (const f of filters) derived.add(f);
        });
        const observers = raw.observers as Record<string, { share?: string }>;
        const share = observers[group.name]?.share;
        group.subscribe = share ? shareFilters(group.protocol, share, [...derived]) : [...derived];
      }
      if (driver?.receiverMode && group.receiverMode === 'each')
        group.receiverMode = driver.receiverMode(group.options);
    }
    if (group.kind === 'command' && group.publish?.commandTo !== undefined) {
      const target = byName.get(group.publish.commandTo);
      if (!target) check.note(`${path}.to`, `no fleet named ${JSON.stringify(group.publish.commandTo)}`);
      else if (!target.subscribe || target.kind !== 'fleet')
        check.note(`${path}.to`, `${JSON.stringify(target.name)} is not an actuator fleet (it needs subscribe)`);
      else {
        target.receives.push(group.name);
        target.receiverMode = 'group';
      }
    }
  }
}

/** `receives: ['sensors:will']`: the Last Wills of fleet `sensors`. */
export const WILL_SUFFIX = ':will';

/**
 * The will group of `fleet` (added to `groups` once): a sender without devices whose streams
 * are the fleet's devices' wills, judged by the will's QoS. Undefined (a problem noted at
 * `path`) when the fleet does not exist or leaves no will.
 */
function willGroup(
  check: Checker,
  path: string,
  fleet: GroupPlan | undefined,
  name: string,
  groups: GroupPlan[],
): GroupPlan | undefined {
  if (fleet?.kind !== 'fleet') {
    check.note(
      path,
      `no fleet named ${JSON.stringify(name.slice(0, -WILL_SUFFIX.length))} to receive the Last Wills of`,
    );
    return undefined;
  }
  const will = driverFor(fleet.protocol)?.lastWill?.(fleet.options);
  if (!will) {
    check.note(
      path,
      `${JSON.stringify(fleet.name)} leaves no Last Will: give its protocol a will (e.g. mqtt({ will: { topic: 'fleet/will/{id}' } }))`,
    );
    return undefined;
  }
  const group: GroupPlan = {
    name,
    index: groups.length,
    kind: 'will',
    count: fleet.count,
    protocol: fleet.protocol,
    options: will.options,
    target: fleet.target,
    publish: undefined,
    subscribe: undefined,
    receives: [],
    receiverMode: 'each',
    reply: false,
    reconnect: false,
    willOf: { fleet: fleet.name, topic: will.topic },
  };
  fleet.will = name;
  groups.push(group);
  return group;
}

/** Filters as members of shared subscription group `share` subscribe to them (validated: the driver has sharedFilter). */
export function shareFilters(protocol: string, share: string, filters: string[]): string[] {
  const shared = driverFor(protocol)?.sharedFilter;
  return shared ? filters.map((f) => shared(share, f)) : filters;
}
