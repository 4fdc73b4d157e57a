// How many generator processes a run uses: the number asked for (--processes), or as many as
// the open-file limit requires. Every device holds one socket (a connection, or a datagram
// device's own socket: a descriptor too), and one process may open about its soft limit less
// what it keeps for itself (open-files.ts), under the limit the caller read after raising it.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { Plan } from '../dsl/plan.ts';
import { type OpenFileLimit, processesFor, usableSockets } from './open-files.ts';

export interface ProcessPlan {
  processes: number;
  /** Why the run spreads over processes, or why the count asked for will not hold its sockets. */
  notices: string[];
}

export function processPlan(
  plan: Plan,
  devices: number,
  requested: number | undefined,
  limit: OpenFileLimit | undefined,
): ProcessPlan {
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested < 1))
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `processes: expected an integer of at least 1, got ${JSON.stringify(requested)}`,
    );
  const needed = processesFor(devices, limit);
  const processes = Math.max(1, Math.min(requested ?? needed, devices));
  if (!limit || needed <= 1) return { processes, notices: [] };
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const usable = usableSockets(limit);
  // The hard limit is the ceiling once the soft one was raised to it; otherwise say the soft one held.
  const ceiling =
    limit.soft >= limit.hard
      ? `hard open-file limit ${limit.hard}`
      : `open-file limit ${limit.soft} (soft; the hard limit ${limit.hard} could not be raised: no prlimit?)`;
  const need = `${plan.file}: ${ceiling}: ${fmt(devices)} devices need ${needed} processes of at most ${fmt(usable)} sockets each`;
  if (requested === undefined)
    return { processes, notices: [`${need}; running ${processes} generator processes (choose with --processes)`] };
  if (processes >= needed) return { processes, notices: [] };
  return {
    processes,
    notices: [
      `${need}; --processes ${processes} gives one up to ${fmt(Math.ceil(devices / processes))}: expect EMFILE (too many open files) connect errors past that, or use --processes ${needed}`,
    ],
  };
}
