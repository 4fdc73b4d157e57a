// How busy the machine was with work that is not part of a measurement: CPU time of every
// process (from /proc/stat) minus this process (generator, embedded servers, in-process
// gateway) and the brokers under test. Other engineers run tests on the same 2 cores; this is
// what says whether a figure was disturbed. Linux only; elsewhere it reports nothing.
import { readdirSync, readFileSync } from 'node:fs';

/** Process names of the peers whose CPU belongs to the measurement (RabbitMQ's VM, Mosquitto). */
const PEERS = new Set(['beam.smp', 'mosquitto']);
/** /proc times are in USER_HZ ticks, 100 per second on Linux. */
const TICKS_PER_S = 100;

interface Reading {
  atMs: number;
  /** Ticks in user, nice and system mode on all cores (irq, softirq and idle excluded). */
  busy: number;
  steal: number;
  selfUs: number;
  peers: number;
}

export interface CpuShare {
  /** Mean cores used by processes other than this one and the peers. */
  other: number;
  /** Mean cores used by the peers (brokers). */
  peers: number;
  /** Mean cores used by this process (all threads). */
  self: number;
  /** Mean cores the hypervisor took away (steal time). */
  steal: number;
}

function read(): Reading | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , , , steal = 0] = fields;
    let peers = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // comm is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
        const close = stat.lastIndexOf(')');
        if (!PEERS.has(stat.slice(stat.indexOf('(') + 1, close))) continue;
        const rest = stat.slice(close + 2).split(' ');
        peers += Number(rest[11]) + Number(rest[12]);
      } catch {
        // The process ended between readdir and read.
      }
    }
    const self = process.cpuUsage();
    return { atMs: Date.now(), busy: user + nice + system, steal, selfUs: self.user + self.system, peers };
  } catch {
    return undefined;
  }
}

/** Starts measuring; `stop()` gives the mean cores each part used since. */
export function cpuMeter(): { stop(): CpuShare | undefined } {
  const start = read();
  return {
    stop() {
      const end = read();
      if (!start || !end || end.atMs <= start.atMs) return undefined;
      const seconds = (end.atMs - start.atMs) / 1000;
      const cores = (ticks: number): number => ticks / TICKS_PER_S / seconds;
      const self = (end.selfUs - start.selfUs) / 1e6 / seconds;
      const peers = cores(end.peers - start.peers);
      return {
        other: Math.max(0, cores(end.busy - start.busy) - self - peers),
        peers,
        self,
        steal: cores(end.steal - start.steal),
      };
    },
  };
}

export function describeCpu(c: CpuShare | undefined): string {
  if (!c) return 'CPU shares unknown (no /proc)';
  const steal = c.steal >= 0.05 ? `, steal ${c.steal.toFixed(2)}` : '';
  return `mean cores used over the runs (connect and drain included): bench ${c.self.toFixed(2)}, brokers ${c.peers.toFixed(2)}, other processes ${c.other.toFixed(2)}${steal}`;
}
