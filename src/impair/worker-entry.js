// The proxy thread's entry. Worker threads do not inherit the main thread's module hooks, so the
// TypeScript loader (tsx) is registered here before the proxy is imported (as runner/worker-entry.js).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
