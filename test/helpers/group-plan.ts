// A minimal fleet of `count` devices as the planner builds it, for tests of slicing (shards,
// worker threads, generator processes) that need nothing else of a plan.
import type { GroupPlan } from '../../src/dsl/plan.ts';

export const fleetOf = (count: number): GroupPlan => ({
  name: 'g',
  index: 0,
  kind: 'fleet',
  count,
  protocol: 'mqtt',
  options: {},
  reconnect: false,
  target: 'mqtt',
  publish: undefined,
  subscribe: undefined,
  receives: [],
  receiverMode: 'each',
  reply: false,
});
