// Whether two results measured the same thing: scenario, device counts, send schedules, duration,
// targets, fleetbench and Node versions, machine and recorded environment variables. Each
// difference is one line; `compare` prints them as warnings and `--strict` fails on them.
import type { RunResult } from '../result/types.ts';

const show = (v: unknown): string => (v === undefined ? 'none' : typeof v === 'string' ? JSON.stringify(v) : String(v));

function differs(what: string, b: unknown, c: unknown): string[] {
  return b === c ? [] : [`${what} differs: baseline ${show(b)}, candidate ${show(c)}`];
}

/** The environment variables a result recorded (`scenario.env`, when the scenario declares any). */
function envOf(r: RunResult): Record<string, string> {
  const env = (r.scenario as { env?: unknown }).env;
  return typeof env === 'object' && env !== null ? (env as Record<string, string>) : {};
}

/** Keys of either record whose values differ, as 'name: baseline vs candidate' lines. */
function recordDiff(what: string, b: Record<string, unknown>, c: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(b), ...Object.keys(c)])].sort();
  return keys.flatMap((k) => differs(`${what} ${k}`, b[k], c[k]));
}

export function setupMismatches(baseline: RunResult, candidate: RunResult): string[] {
  const out: string[] = [];
  if (baseline.scenario.name !== candidate.scenario.name)
    out.push(
      `different scenarios: baseline ${JSON.stringify(baseline.scenario.name)}, candidate ${JSON.stringify(candidate.scenario.name)}`,
    );
  else if (baseline.scenario.hash !== candidate.scenario.hash)
    out.push(
      `the scenario file changed between the runs (hash ${baseline.scenario.hash} vs ${candidate.scenario.hash})`,
    );
  for (const [name, b] of Object.entries(baseline.fleets)) {
    const c = candidate.fleets[name];
    if (!c) continue;
    out.push(...differs(`device count of ${name}`, b.count, c.count));
    out.push(...differs(`devices run of ${name}`, b.devicesRun, c.devicesRun));
    out.push(...differs(`send schedule of ${name}`, b.send?.schedule, c.send?.schedule));
    out.push(...differs(`messages per device of ${name}`, b.send?.messages, c.send?.messages));
  }
  out.push(...differs('send phase (ms)', baseline.run.durationMs, candidate.run.durationMs));
  out.push(...recordDiff('target', baseline.targets, candidate.targets));
  out.push(...differs('fleetbench version', baseline.environment.fleetbench, candidate.environment.fleetbench));
  out.push(...differs('Node version', baseline.environment.node, candidate.environment.node));
  out.push(...differs('platform', baseline.environment.platform, candidate.environment.platform));
  out.push(...differs('CPU count', baseline.environment.cpus, candidate.environment.cpus));
  out.push(...recordDiff('environment variable', envOf(baseline), envOf(candidate)));
  return out;
}
