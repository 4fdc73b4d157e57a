// The generator-process boundary (processes.ts ↔ process-child.ts), in one place, beside the
// worker boundary (protocol.ts). Messages go over the fork's IPC channel with the 'advanced'
// serialization (structured clone), so snapshots and shard results cross as they are.
import type { Snapshot } from '../metrics/recorder.ts';
import type { PoolOutcome, PoolRun } from './pool.ts';

/** What a generator process runs: a pool over its slice, without the coordinator's callbacks. */
export type ChildRun = Pick<PoolRun, 'tasks' | 'workers' | 'drainMs' | 'closeMs' | 'graceMs' | 'startAt'>;

/** Coordinator → generator process. */
export type CoordinatorMessage =
  | { type: 'run'; run: ChildRun }
  /** The answers to the barriers (pool.ts PoolBarriers), once every process reached them. */
  | { type: 'connect'; atUs: number }
  | { type: 'start'; atUs: number }
  | { type: 'drain' }
  | { type: 'closeServers' }
  | { type: 'stop'; reason: string };

/** Generator process → coordinator. Worker ids are the process's own; the coordinator offsets them. */
export type ChildMessage =
  /** Its message listener is in place: a message sent earlier could have been emitted to no one. */
  | { type: 'listening' }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'serversUp' }
  | { type: 'ready'; connected: number; failed: number }
  | { type: 'sent' }
  | { type: 'clientsClosed' }
  | { type: 'done'; outcome: PoolOutcome }
  /** The pool itself failed (not one worker): the process's slice is lost. */
  | { type: 'failed'; message: string };
