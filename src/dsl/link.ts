// Cross-references between a scenario's groups, resolved once every group is built: observers'
// receives and their derived subscriptions, commands' targets, shared subscriptions.
import type { Checker } from '../base/check.ts';
import { driverFor } from '../protocols/registry.ts';
import type { GroupPlan } from './plan.ts';

/** The scenario section a group is written in, for messages: 'fleets', 'observers', 'commands'. */
export function sectionOf(group: GroupPlan): string {
  return group.kind === 'fleet' ? 'fleets' : group.kind === 'observer' ? 'observers' : 'commands';
}

/** Cross-references: observers' receives, commands' targets, default filters, replies. */
export function linkGroups(check: Checker, groups: GroupPlan[], raw: Record<string, unknown>): void {
  const byName = new Map(groups.map((g) => [g.name, g]));
  for (const group of groups) {
    const path = `${sectionOf(group)}.${group.name}`;
    if (group.kind === 'observer') {
      group.receives.forEach((r, i) => {
        const source = byName.get(r);
        if (!source) check.note(`${path}.receives[${i}]`, `no fleet or command named ${JSON.stringify(r)}`);
        else if (!source.publish)
          check.note(`${path}.receives[${i}]`, `${JSON.stringify(r)} does not send (it has no send/topic)`);
      });
      const driver = driverFor(group.protocol);
      if (!group.subscribe) {
        // Derived subscriptions: the receiving driver's rule, from the sender's address in
        // canonical form (see protocols/topics.ts).
        const derived = new Set<string>();
        group.receives.forEach((r, i) => {
          const src = byName.get(r);
          if (!src?.publish) return;
          const source = {
            name: src.name,
            count: src.count,
            protocol: src.protocol,
            options: src.options,
            topic: src.publish.topic,
            canonical: driverFor(src.protocol)?.canonicalTopic?.(src.publish.topic) ?? src.publish.topic,
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

/** Filters as members of shared subscription group `share` subscribe to them (validated: the driver has sharedFilter). */
export function shareFilters(protocol: string, share: string, filters: string[]): string[] {
  const shared = driverFor(protocol)?.sharedFilter;
  return shared ? filters.map((f) => shared(share, f)) : filters;
}
