// Running a scenario: load and validate it, start the embedded servers it needs, fail fast on
// unreachable targets, run the shards on worker threads, and build the versioned result.
// Writing the run's folder is the caller's (src/run.ts, the public API).

import { randomBytes } from 'node:crypto';
import { Checker } from '../base/check.ts';
import { defaults } from '../base/defaults.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { checkTargetUrl, maskUrl } from '../base/url.ts';
import { checkCapacity } from '../dsl/limits.ts';
import { loadScenario } from '../dsl/load.ts';
import { groupByName, type Plan } from '../dsl/plan.ts';
import type { LoadScale } from '../dsl/scale.ts';
import { type RunChoices, validateScenario } from '../dsl/validate.ts';
import { Aggregator, type TimelineBucket } from '../metrics/aggregate.ts';
import { clockOffsetUs, nowUs } from '../metrics/clock.ts';
import { histogramKey, splitHistogramKey } from '../metrics/names.ts';
import { runKey } from '../metrics/stamp.ts';
import type { EmbeddedServer } from '../protocols/driver.ts';
import { driverFor, type ServerStats } from '../protocols/registry.ts';
import type { RunResult } from '../result/types.ts';
import { evaluateHealth } from '../thresholds/health.ts';
import { evaluateThresholds, liveFailures, metricNamed, type ThresholdOutcome } from '../thresholds/index.ts';
import { type BuildInput, buildResult } from './build-result.ts';
import { achievedPace } from './connect-pacing.ts';
import { crashReason, crashSnapshot } from './crash.ts';
import { Proxies } from './impair.ts';
import { liveResult } from './live.ts';
import { raiseOpenFileLimit } from './open-files.ts';
import { runPool } from './pool.ts';
import { choosePorts } from './ports.ts';
import { preflight } from './preflight.ts';
import { processPlan } from './process-plan.ts';
import { runProcesses } from './processes.ts';
import { type Progress, progressOf } from './progress.ts';
import { mergeData, type ShardClock, type ShardClockOptions, shardClock, startAtUs } from './shard-run.ts';
import { ServerSink, sinkGroup } from './sink.ts';
import { checkRunId, checkStartAt } from './start-at.ts';
import { checkTargetArgs } from './targets.ts';
import { warmedKind, warmupEndUs } from './warm-window.ts';

export interface ScenarioRunOptions extends ShardClockOptions {
  /** --run-id: the run id every shard of one run shares (topics and stamp keys derive from it); random otherwise. */
  runId?: string;
  /** Path of the scenario file. */
  scenario: string;
  /** Target URLs by name, overriding the scenario's (CLI --target). */
  targets?: Record<string, string>;
  workers?: number;
  /**
   * Generator processes on this machine (docs/processes.md); default: as many as the open-file
   * limit requires for the run's sockets, usually 1. Workers are split over them.
   */
  processes?: number;
  /** Override of the scenario's duration. */
  duration?: string | number;
  seed?: number;
  /** `-e NAME=value`: the scenario's declared env inputs (refused when undeclared). */
  env?: Record<string, string>;
  shard?: { index: number; count: number };
  /** Abort to stop early (Ctrl-C): the run drains, closes and returns a partial result. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** A target failed its preflight while other groups can run: the run goes on without it. */
  onWarning?: (message: string) => void;
  /** The scenario loaded and validated (a later error can be reported under its name). */
  onLoaded?: (scenario: { name: string; file: string; hash: string }) => void;
  /** `fleetbench capacity`: one step's load, the sending groups' devices or rates scaled (dsl/scale.ts). */
  scale?: LoadScale;
}

export interface ScenarioOutcome {
  result: RunResult;
  /** An abortOnFail threshold stopped the run (it is partial, but not interrupted by the user). */
  abortedByThreshold: boolean;
  /** A worker crashed or was terminated: its shard is lost (`worker.crashed` in result.errors), the run is partial. */
  workerCrashed: boolean;
}

export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioOutcome> {
  const loaded = await loadScenario(options.scenario, { env: options.env ?? {} });
  const { hash, env } = loaded;
  // Server devices without a fixed port get a free block, and the plan is rebuilt around it.
  const choices: RunChoices = {
    ports: await choosePorts(loaded.plan),
    ...(options.scale ? { scale: options.scale } : {}),
  };
  const plan =
    Object.keys(choices.ports ?? {}).length > 0 || choices.scale
      ? validateScenario(loaded.definition, loaded.plan.file, choices)
      : loaded.plan;
  options.onLoaded?.({ name: plan.name, file: plan.file, hash });
  applyOverrides(plan, options);
  checkTargetArgs(plan, options.targets ?? {});
  const runId = options.runId === undefined ? randomBytes(3).toString('hex') : checkRunId(options.runId);
  if (options.startAt !== undefined) checkStartAt(options.startAt, Date.now());
  const seed = options.seed ?? plan.seed ?? randomBytes(4).readUInt32BE(0);
  const shard = options.shard ?? { index: 0, count: 1 };
  const capacity = checkCapacity(plan, shard.count);
  const totalDevices = plan.groups.reduce((n, g) => n + Math.ceil(g.count / shard.count), 0);
  // Past one process's open-file limit (its soft limit raised to the hard one first), the
  // devices spread over generator processes (processes.ts).
  const { processes, notices } = processPlan(plan, totalDevices, options.processes, raiseOpenFileLimit());
  capacity.push(...notices);
  const requestedWorkers = Math.max(1, Math.min(options.workers ?? defaults.workers(), totalDevices));
  const workers = processes > 1 ? Math.max(requestedWorkers, processes) : requestedWorkers;
  // A threshold with abortOnFail that fails mid-run stops the run like Ctrl-C would.
  const thresholdStop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, thresholdStop.signal]) : thresholdStop.signal;
  const watched = plan.thresholds.filter((t) => t.abortOnFail);
  let abortedBy: ThresholdOutcome | undefined;

  const embedded = new Map<string, EmbeddedServer<unknown>>();
  const proxies = new Proxies();
  // A shard of a larger run shares the reference shard's clock (shard-run.ts).
  const sharded = shard.count > 1 || options.runId !== undefined || options.startAt !== undefined;
  let clock: ShardClock | undefined;
  try {
    if (sharded) clock = await shardClock(shard, options, signal, options.onWarning);
    const commonStartUs = clock && options.startAt !== undefined ? startAtUs(options.startAt, clock) : undefined;
    let lateMs = 0;
    const { urls, shown, embeddedKeys } = await resolveTargets(plan, options.targets ?? {}, embedded);
    checkEmbeddedBridges(plan, embeddedKeys);
    // Impaired targets are reached through their proxies from here on, the preflight included.
    await proxies.start(plan, urls, shown, seed);
    const warnings = [...capacity, ...(await preflight(plan, urls, runId, embeddedKeys))];
    for (const w of warnings) options.onWarning?.(w);
    const startedAt = new Date();
    const originUs = nowUs();
    // The timeline shows each second whole: warm-up samples merge with the rest there (warm-window.ts).
    const agg = new Aggregator(originUs, defaults.snapshotIntervalMs * 1000, timelineKey);
    // Embedded servers that receive (EmbeddedServer.sink) count as one more receiver, in this thread.
    const workerGroups = [...plan.groups];
    const sinks: ServerSink[] = [];
    for (const [protocol, server] of embedded) {
      const group = server.sink ? sinkGroup(plan, protocol, embeddedKeys) : undefined;
      if (!group || !server.sink) continue;
      plan.groups.push(group);
      sinks.push(new ServerSink(plan, group, server.sink, workers + sinks.length, runKey(runId)));
    }
    let sinkPhase: 'connect' | 'run' | 'drain' = 'connect';
    const sinkTimer = setInterval(() => {
      for (const s of sinks) agg.add(s.snapshot(sinkPhase));
    }, defaults.snapshotIntervalMs);
    let sendStartUs: number | undefined;
    let sendEndUs: number | undefined;
    let current: TimelineBucket | undefined;
    const runGenerators = processes > 1 ? runProcesses : runPool;
    const { shards, crashes } = await runGenerators({
      processes,
      workers,
      signal,
      drainMs: plan.drainMs,
      // A sleep-session report cycle in progress: connect, then wait for the ack, each bounded by the timeout.
      closeMs: 2 * plan.connectTimeoutMs,
      tasks: {
        scenarioFile: plan.file,
        scenarioModule: loaded.module,
        workers,
        shard,
        targets: urls,
        runId,
        seed,
        choices,
        durationMs: plan.durationMs,
        snapshotIntervalMs: defaults.snapshotIntervalMs,
        lateThresholdUs: defaults.lateThresholdUs,
        ...(env ? { env } : {}),
        ...(clock ? { clockOffsetUs: clockOffsetUs() } : {}),
      },
      // Stamps of shards that started on time are accepted even when this one starts late.
      ...(commonStartUs === undefined
        ? {}
        : { startAt: { atUs: commonStartUs, slackUs: (clock?.info.uncertaintyUs ?? 0) + 1000 } }),
      onSnapshot(s) {
        const bucket = agg.add(s);
        // Report an interval once the next one begins: by then every worker's snapshot for it is in.
        if (current && bucket.t > current.t) {
          options.onProgress?.(progressOf(plan, agg, current, originUs, sendStartUs));
          if (watched.length > 0 && sendStartUs !== undefined && !abortedBy) {
            const elapsedMs = (nowUs() - sendStartUs) / 1000;
            const due = watched.filter((t) => elapsedMs >= t.delayAbortMs);
            const kinds = new Set(
              due.map((t) => metricNamed(t.metric)).flatMap((m) => (m?.kind === 'latency' ? [m.histogram] : [])),
            );
            // Rates are over the measured part: the warm-up's messages are not in the totals.
            const measuredS = Math.max(0, elapsedMs - excludedWarmupMs(plan)) / 1000;
            if (due.length > 0) abortedBy = liveFailures(due, liveResult(plan, agg, measuredS, kinds), elapsedMs)[0];
            if (abortedBy) {
              options.onWarning?.(
                `threshold ${abortedBy.key}: '${abortedBy.expression}' failed (${abortedBy.message}); abortOnFail: stopping the run`,
              );
              thresholdStop.abort();
            }
          }
        }
        if (!current || bucket.t > current.t) current = bucket;
      },
      onStart(atUs) {
        sendStartUs = atUs;
        if (commonStartUs !== undefined && atUs - commonStartUs >= 1000) {
          lateMs = Math.round((atUs - commonStartUs) / 1000);
          options.onWarning?.(
            `--start-at: this shard was not connected in time and started ${lateMs} ms late (run.startAt.lateMs)`,
          );
        }
        proxies.sendStarted(atUs);
        sinkPhase = 'run';
        for (const s of sinks) {
          s.startUs = atUs;
          s.warmupEndUs = warmupEndUs(plan.warmup, atUs);
        }
      },
      onSent(atUs) {
        sendEndUs = atUs;
        sinkPhase = 'drain';
      },
    }).finally(() => clearInterval(sinkTimer));
    for (const s of shards) agg.add(s.last);
    for (const c of crashes) agg.add(crashSnapshot(workerGroups, c, shard, workers));
    for (const s of sinks) {
      s.recorder.setConnected(s.group.name, -1);
      agg.add(s.snapshot('done'));
    }
    const { impairment, warnings: proxyWarnings } = await proxies.stop();
    warnings.push(...proxyWarnings);
    const endedAt = new Date();
    const interrupted = signal.aborted || crashes.length > 0 || shards.some((s) => s.interrupted);
    // The send phase ends when every worker is done sending: early when all senders reached
    // their message limits, at the planned end otherwise, or at Ctrl-C.
    const sendPhaseMs =
      sendStartUs === undefined ? 0 : Math.min(plan.durationMs, ((sendEndUs ?? nowUs()) - sendStartUs) / 1000);
    const servers: ServerStats = {};
    for (const [protocol, server] of embedded) if (server.stats) Object.assign(servers, { [protocol]: server.stats() });
    const reason = abortedBy
      ? `aborted: threshold ${abortedBy.key} '${abortedBy.expression}' failed (${abortedBy.message})`
      : crashes.length > 0
        ? crashReason(crashes)
        : 'interrupted (SIGINT or abort) before the planned end';
    const input: BuildInput = {
      plan,
      hash,
      agg,
      shards: [...shards.map((s) => s.delivery), ...sinks.map((s) => s.final())],
      deviceBytes: shards.map((s) => s.deviceBytes),
      wire: shards.map((s) => s.wire),
      unread: shards.map((s) => s.unread),
      runId,
      seed,
      workers,
      processes,
      shard,
      startedAt,
      endedAt,
      sendPhaseMs,
      partialReason: interrupted ? reason : null,
      targets: shown,
      warnings,
      servers,
      ...(plan.warmup && sendStartUs !== undefined
        ? {
            warmup: {
              durationMs: plan.warmup.durationMs,
              included: plan.warmup.include,
              fromS: (sendStartUs - originUs) / 1e6,
              shards: [
                ...shards.flatMap((s) => (s.warmup ? [s.warmup] : [])),
                ...(plan.warmup.include ? [] : sinks.map((s) => s.warmFinal())),
              ],
            },
          }
        : {}),
    };
    const result = buildResult(input);
    if (env) result.scenario.env = env;
    if (options.startAt !== undefined)
      result.run.startAt = { requested: new Date(options.startAt).toISOString(), lateMs };
    if (clock) {
      result.run.clock = clock.info;
      const sendStartS = sendStartUs === undefined ? null : (sendStartUs - originUs) / 1e6;
      result.merge = mergeData(
        input,
        shards.map((s) => s.connectStarts),
        sendStartS,
      );
    }
    const pace = achievedPace(
      shards.map((s) => s.connectStarts),
      plan.connectRatePerS / shard.count,
    );
    if (pace) result.run.connect = pace;
    if (Object.keys(impairment).length > 0) result.impairment = impairment;
    const outcomes = evaluateThresholds(plan.thresholds, result);
    // The threshold that stopped the run failed, whatever the shortened run's end figures say.
    result.thresholds = outcomes.map((o) =>
      o.key === abortedBy?.key && o.expression === abortedBy.expression && o.passed
        ? { ...abortedBy, message: `${abortedBy.message} (mid-run; the run was aborted)` }
        : o,
    );
    result.health = evaluateHealth(result, plan.expect);
    return { result, abortedByThreshold: abortedBy !== undefined, workerCrashed: crashes.length > 0 };
  } finally {
    await clock?.close();
    await proxies.stop().catch(() => undefined);
    await Promise.all([...embedded.values()].map((e) => e.close()));
  }
}

function applyOverrides(plan: Plan, options: ScenarioRunOptions): void {
  if (options.duration === undefined) return;
  const check = new Checker();
  const ms = check.duration('--duration', options.duration, { positive: true });
  if (ms === undefined) throw new FleetbenchError(ErrorCodes.OPTION_INVALID, check.problems.join('\n'));
  if (plan.warmup && plan.warmup.durationMs >= ms)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--duration ${options.duration}: the scenario's warmup (${plan.warmup.durationMs} ms, ${plan.file}) must be shorter than the send phase`,
    );
  plan.durationMs = ms;
}

/** The warm-up kept out of the headline figures (ms), 0 when there is none or it is included. */
function excludedWarmupMs(plan: Plan): number {
  return plan.warmup && !plan.warmup.include ? plan.warmup.durationMs : 0;
}

/** A histogram's key on the timeline: a warm-up kind under its measured kind. */
function timelineKey(key: string): string {
  const { owner, kind } = splitHistogramKey(key);
  const measured = warmedKind(kind);
  return measured === undefined ? key : histogramKey(owner, measured);
}

/** CLI targets over scenario targets over the embedded server (started here, once per protocol). */
async function resolveTargets(
  plan: Plan,
  overrides: Record<string, string>,
  embedded: Map<string, EmbeddedServer<unknown>>,
) {
  const urls: Record<string, string> = {};
  const shown: Record<string, string> = {};
  const embeddedKeys = new Set<string>();
  for (const group of plan.groups) {
    if (urls[group.target] !== undefined) continue;
    const driver = driverFor(group.protocol);
    if (!driver) continue;
    const given = overrides[group.target] ?? plan.targets[group.target] ?? 'embedded';
    const problem = checkTargetUrl(given, driver.schemes);
    if (problem) throw new FleetbenchError(ErrorCodes.TARGET_INVALID, `target ${group.target}: ${problem}`);
    if (given === 'embedded' || given.startsWith('embedded:')) {
      if (!driver.startEmbedded)
        throw new FleetbenchError(
          ErrorCodes.TARGET_INVALID,
          `target ${group.target}: ${group.protocol} has no embedded server; give a URL with --target ${group.target}=...`,
        );
      let server = embedded.get(group.protocol);
      if (!server) {
        server = await driver.startEmbedded();
        embedded.set(group.protocol, server);
      }
      const listener = given === 'embedded' ? 'default' : given.slice('embedded:'.length);
      const url = server.urls[listener];
      if (url === undefined)
        throw new FleetbenchError(
          ErrorCodes.TARGET_INVALID,
          `target ${group.target}: the embedded ${group.protocol} server has no ${JSON.stringify(listener)} listener (available: ${Object.keys(server.urls).join(', ')})`,
        );
      urls[group.target] = url;
      shown[group.target] = `embedded ${group.protocol} (${url})`;
      embeddedKeys.add(group.target);
    } else {
      urls[group.target] = given;
      shown[group.target] = maskUrl(given);
    }
  }
  return { urls, shown, embeddedKeys };
}

/**
 * A receiver of another protocol's fleet gets its messages through a bridge (a broker speaking
 * both, a gateway). Two embedded servers are never bridged: such a pair could only report 100%
 * loss, so it is refused before anything connects.
 */
function checkEmbeddedBridges(plan: Plan, embeddedKeys: ReadonlySet<string>): void {
  const problems: string[] = [];
  for (const to of plan.groups) {
    if (!embeddedKeys.has(to.target) || driverFor(to.protocol)?.isServer?.(to.options)) continue;
    for (const name of to.receives) {
      const from = groupByName(plan, name);
      if (!from || from.protocol === to.protocol || !embeddedKeys.has(from.target)) continue;
      problems.push(
        `${to.name} (${to.protocol}) receives ${from.name} (${from.protocol}), but both use embedded servers, which nothing bridges: give --target ${from.target}=… and --target ${to.target}=… for a broker or gateway that connects them (e.g. fleetbench gateway)`,
      );
    }
  }
  if (problems.length > 0) throw new FleetbenchError(ErrorCodes.TARGET_INVALID, problems.join('\n'));
}
