// Generator-process entry when fleetbench runs from its TypeScript sources (tests,
// FLEETBENCH_SOURCE=1, no build): a forked process does not inherit the parent's module hooks,
// so the TypeScript loader (tsx) is registered before the process module is imported. Built,
// the coordinator forks dist/runner/process-child.js directly (processes.ts, childEntry).
import { register } from 'tsx/esm/api';

register();
await import('./process-child.ts');
