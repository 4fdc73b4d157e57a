// What `npm run bench -- engine` reads from /proc: the CPU time and resident memory of a whole
// process tree (a spawned publisher or fleetbench run, and any child it starts, such as tsx's
// esbuild service), sampled over time so a steady window can be cut out of a run. Linux only.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc times are in USER_HZ ticks, 100 per second on Linux. */
export const TICKS_PER_S = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime of the process, plus cutime + cstime of its children it has waited for, in ticks. */
  ticks: number;
}

/**
 * One /proc/<pid>/stat line (proc(5)): comm sits in parentheses and may hold spaces and ')', so
 * the fields are counted from the last ')'. Field 4 is ppid, 14–17 utime, stime, cutime, cstime.
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state).
  const num = (field: number): number => Number(rest[field - 3]);
  const ticks = num(14) + num(15) + num(16) + num(17);
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isFinite(ticks) || !Number.isFinite(pid)) return undefined;
  return { pid, ppid: num(4), comm: text.slice(open + 1, close), ticks };
}

/** VmRSS from /proc/<pid>/status, in KiB; undefined for a process without memory (a zombie). */
export function parseVmRssKiB(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

function readStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (s) out.push(s);
    } catch {
      // The process ended between readdir and read.
    }
  }
  return out;
}

/** The pids of `root` and all its descendants, given every process's parent. */
export function descendants(root: number, stats: readonly Pick<ProcStat, 'pid' | 'ppid'>[]): number[] {
  const children = new Map<number, number[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s.pid);
    else children.set(s.ppid, [s.pid]);
  }
  const tree: number[] = [];
  const stack = [root];
  // Bounded by the number of processes: each pid is visited once.
  for (let guard = 0; stack.length > 0 && guard <= stats.length; guard++) {
    const pid = stack.pop() as number;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export interface TreeSample {
  atMs: number;
  /** CPU seconds of the tree so far (user + sys, waited-for children included). */
  cpuS: number;
  /** Resident memory of every process in the tree, summed, KiB. */
  rssKiB: number;
}

/** One reading of the tree under `root`; undefined once root is gone. */
export function sampleTree(root: number): TreeSample | undefined {
  const stats = readStats();
  if (!stats.some((s) => s.pid === root)) return undefined;
  const pids = descendants(root, stats);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  let ticks = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    ticks += byPid.get(pid)?.ticks ?? 0;
    try {
      rssKiB += parseVmRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8')) ?? 0;
    } catch {
      // Gone meanwhile.
    }
  }
  return { atMs: Date.now(), cpuS: ticks / TICKS_PER_S, rssKiB };
}

/** CPU seconds at `atMs`, linearly between the samples around it (clamped to the first and last). */
export function cpuAt(samples: readonly TreeSample[], atMs: number): number | undefined {
  if (samples.length === 0) return undefined;
  const first = samples[0] as TreeSample;
  const last = samples[samples.length - 1] as TreeSample;
  if (atMs <= first.atMs) return first.cpuS;
  if (atMs >= last.atMs) return last.cpuS;
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i] as TreeSample;
    if (b.atMs < atMs) continue;
    const a = samples[i - 1] as TreeSample;
    const f = b.atMs === a.atMs ? 1 : (atMs - a.atMs) / (b.atMs - a.atMs);
    return a.cpuS + f * (b.cpuS - a.cpuS);
  }
  return last.cpuS;
}

/** The median of some numbers (the mean of the middle two for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** The hard limit on open files for processes started from here (`ulimit -Hn`), from /proc/self/limits. */
export function hardFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    return hard === 'unlimited' ? Number.POSITIVE_INFINITY : hard === undefined ? undefined : Number(hard);
  } catch {
    return undefined;
  }
}
