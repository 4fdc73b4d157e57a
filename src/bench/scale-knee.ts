// Part 3 of `npm run bench -- scale`: `fleetbench capacity` against a private Mosquitto behind a
// 40 KiB/s impairment proxy (scenarios/bench/throttled-broker.ts), three times. The throttle's
// own capacity comes from what crossed it in the first step: the proxy's bytes down per message
// the observer received, so "expected" is measured, not assumed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../result/types.ts';
import { scenario } from './common.ts';
import { startMosquitto } from './engine-mosquitto.ts';
import { FLEETBENCH_BIN, ROOT } from './engine-run.ts';
import { runMeasured } from './engine-spawn.ts';

const BANDWIDTH_BYTES_PER_S = 40 * 1024;
const REPEATS = 3;

export interface KneeFigure {
  knee?: number;
  max?: number;
  firstFailing?: number;
  expected?: number;
  generatorBound: boolean;
  steps?: number;
  seconds?: number;
  error?: string;
}

interface CapacityJson {
  steps: unknown[];
  sustainable: { offeredPerS: number } | null;
  firstFailing: { offeredPerS: number } | null;
  knee: { offeredPerS: number } | null;
  generatorBound: unknown;
}

export const KNEE_COMMAND =
  "node src/bin/fleetbench.js capacity scenarios/bench/throttled-broker.ts -t broker=mqtt://127.0.0.1:<port> --vary rate --slo 'p99<100ms,loss==0,errors==0' --start 200 --step-duration 2s --warmup 500ms --max-steps 8 -w 1 -q -o <dir>";

async function once(url: string): Promise<KneeFigure> {
  const out = mkdtempSync(join(tmpdir(), 'fb-scale-knee-'));
  try {
    const args = [FLEETBENCH_BIN, 'capacity', scenario('throttled-broker'), '-t', `broker=${url}`, '--vary', 'rate'];
    args.push('--slo', 'p99<100ms,loss==0,errors==0', '--start', '200', '--step-duration', '2s', '--warmup', '500ms');
    args.push('--max-steps', '8', '-w', '1', '-q', '-o', out);
    const m = await runMeasured({ args, timeoutMs: 300_000, cwd: ROOT });
    const folder = readdirSync(out).find((d) => d.startsWith('capacity-'));
    if (!folder) return { generatorBound: false, error: `capacity exited ${m.code}: ${m.stderr.slice(-300)}` };
    const report = JSON.parse(readFileSync(join(out, folder, 'capacity.json'), 'utf8')) as CapacityJson;
    const first = JSON.parse(readFileSync(join(out, folder, 'steps', 'step-01', 'results.json'), 'utf8')) as RunResult;
    const received = (first.fleets.sink?.messages.received ?? 0) + (first.warmup?.fleets.sink?.received ?? 0);
    const bytesDown = first.impairment?.broker?.stream?.bytesDown ?? 0;
    return {
      ...(report.knee ? { knee: report.knee.offeredPerS } : {}),
      ...(report.sustainable ? { max: report.sustainable.offeredPerS } : {}),
      ...(report.firstFailing ? { firstFailing: report.firstFailing.offeredPerS } : {}),
      ...(received > 0 && bytesDown > 0 ? { expected: BANDWIDTH_BYTES_PER_S / (bytesDown / received) } : {}),
      generatorBound: report.generatorBound !== null && report.generatorBound !== undefined,
      steps: report.steps.length,
      seconds: (m.endedAtMs - m.startedAtMs) / 1000,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Three searches against one private broker (the quick profile runs one). */
export async function kneeRounds(quick: boolean, log: (s: string) => void): Promise<KneeFigure[]> {
  const broker = await startMosquitto();
  try {
    const out: KneeFigure[] = [];
    for (let i = 0; i < (quick ? 1 : REPEATS); i++) {
      log(`capacity search ${i + 1}`);
      out.push(await once(broker.url));
    }
    return out;
  } finally {
    await broker.stop();
  }
}
