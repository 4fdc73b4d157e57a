// Piscina worker entry when fleetbench runs from its TypeScript sources (tests, FLEETBENCH_SOURCE=1,
// no build): worker threads do not inherit the main thread's module hooks, so the TypeScript
// loader (tsx) is registered here before the shard runner is imported. Built, the pool runs
// dist/runner/worker.js directly and no thread registers a loader (pool.ts, workerEntry).
import { register } from 'tsx/esm/api';

register();
const { default: runShard } = await import('./worker.ts');

export default runShard;
