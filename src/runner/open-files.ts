// The open-file limit (RLIMIT_NOFILE) a generator process lives under: every device holds a
// socket, so it caps the devices one process can run. Node has no setrlimit: the limits are read
// from /proc/self/limits and the soft one is raised to the hard one with util-linux's prlimit(1).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/**
 * Files a process keeps open besides its devices' sockets: its own descriptors (stdio, the
 * event loop's, worker threads' pipes), the scenario and its modules, the result files. The
 * 20,000-device run of issue 17 got to 19,955 sockets before EMFILE, so 100 leaves a margin.
 */
export const RESERVED_FILES = 100;

/** The "Max open files" row of /proc/<pid>/limits; undefined when absent (not Linux) or unlimited. */
export function parseOpenFileLimit(limits: string): OpenFileLimit | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const soft = Number(m?.[1]);
  const hard = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(soft) || !Number.isSafeInteger(hard)) return undefined;
  return { soft, hard };
}

export function readOpenFileLimit(): OpenFileLimit | undefined {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Raises this process's soft limit to its hard limit (what any unprivileged process may do)
 * and returns the limits now in force. Without prlimit, or off Linux, nothing changes and the
 * caller plans with the soft limit it reads: the notices then name that limit.
 */
export function raiseOpenFileLimit(): OpenFileLimit | undefined {
  const before = readOpenFileLimit();
  if (!before || before.soft >= before.hard) return before;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:${before.hard}`], {
      stdio: 'ignore',
      timeout: 5000,
    });
  } catch {
    return before;
  }
  return readOpenFileLimit() ?? before;
}

/** Sockets one process may open for its devices under `limit`. */
export function usableSockets(limit: OpenFileLimit): number {
  return Math.max(1, limit.soft - RESERVED_FILES);
}

/** Generator processes needed for `sockets` sockets on one machine under `limit` (at least 1). */
export function processesFor(sockets: number, limit: OpenFileLimit | undefined): number {
  return limit ? Math.max(1, Math.ceil(sockets / usableSockets(limit))) : 1;
}
