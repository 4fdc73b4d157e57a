// Piscina worker entry. Worker threads do not inherit the main thread's module hooks, so the
// TypeScript loader (tsx) is registered here before the shard runner is imported.
import { register } from 'tsx/esm/api';

register();
const { default: runShard } = await import('./worker.ts');

export default runShard;
