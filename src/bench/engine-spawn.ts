// Runs one case of `npm run bench -- engine` as a child process, measured the same way for
// every engine: /usr/bin/time for the totals (user + sys of the process and every child it
// waited for) and /proc samples of the whole tree every SAMPLE_MS, so a steady window can be
// cut out of the run afterwards. Each child is bounded in time and killed past it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleTree, type TreeSample } from './engine-proc.ts';

const SAMPLE_MS = 200;
const TIME_BIN = '/usr/bin/time';

export interface Measured {
  code: number | null;
  /** Killed because it ran past its time limit. */
  timedOut: boolean;
  startedAtMs: number;
  endedAtMs: number;
  /** From /usr/bin/time: CPU seconds of the whole tree (user, sys) and the largest single process's peak RSS. */
  userS?: number;
  sysS?: number;
  maxRssKiB?: number;
  samples: TreeSample[];
  stdout: string;
  stderr: string;
}

export interface SpawnCase {
  args: string[];
  env?: Record<string, string | number | undefined>;
  timeoutMs: number;
  cwd?: string;
}

/** Parses the line `-f 'FBTIME %U %S %M'` writes. */
export function parseTimeLine(text: string): { userS: number; sysS: number; maxRssKiB: number } | undefined {
  const m = /FBTIME ([\d.]+) ([\d.]+) (\d+)/.exec(text);
  return m ? { userS: Number(m[1]), sysS: Number(m[2]), maxRssKiB: Number(m[3]) } : undefined;
}

/** Runs `node <args>` (under /usr/bin/time when installed) and samples its tree until it exits. */
export async function runMeasured(c: SpawnCase): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-engine-time-'));
  const timeFile = join(dir, 'time.txt');
  const useTime = existsSync(TIME_BIN);
  const cmd = useTime ? TIME_BIN : process.execPath;
  const args = useTime ? ['-f', 'FBTIME %U %S %M', '-o', timeFile, process.execPath, ...c.args] : c.args;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(c.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }
  const startedAtMs = Date.now();
  const child = spawn(cmd, args, { cwd: c.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (stdout.length < 1e6) stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 1e6) stderr += d.toString();
  });
  const samples: TreeSample[] = [];
  const pid = child.pid;
  const sampler = setInterval(() => {
    const s = pid === undefined ? undefined : sampleTree(pid);
    if (s) samples.push(s);
  }, SAMPLE_MS);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    // The tree: /usr/bin/time passes no signal on, so end node (its child) and time itself.
    if (pid !== undefined) for (const p of treeOf(pid)) killQuietly(p);
  }, c.timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += String(err);
      resolve(null);
    });
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  clearInterval(sampler);
  clearTimeout(killer);
  const endedAtMs = Date.now();
  const times = existsSync(timeFile) ? parseTimeLine(readFileSync(timeFile, 'utf8')) : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { code, timedOut, startedAtMs, endedAtMs, ...times, samples, stdout, stderr };
}

function treeOf(pid: number): number[] {
  const out = [pid];
  try {
    for (const line of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (/^\d+$/.test(line)) out.unshift(...treeOf(Number(line)));
    }
  } catch {
    // Already gone.
  }
  return out;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
