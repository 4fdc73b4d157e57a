// The Piscina task: run one shard of every fleet. Bring up the server devices, wait until every
// worker's are up, connect the rest (paced across both steps), report ready, wait for the
// common start, send on schedule, report done, drain, close the clients, wait until every
// worker's clients are closed, close the servers, return the final shard result.
// Snapshots stream to the main thread once per interval over the task's MessagePort.

import { defaults } from '../base/defaults.ts';
import { loadScenario } from '../dsl/load.ts';
import type { GroupPlan } from '../dsl/plan.ts';
import { nowUs, setClockOffset, sleep } from '../metrics/clock.ts';
import { DeliveryBook } from '../metrics/delivery.ts';
import {
  emptyWireTotals,
  type Phase,
  Recorder,
  type Snapshot,
  WireDeltas,
  type WireTotals,
} from '../metrics/recorder.ts';
import { runKey } from '../metrics/stamp.ts';
import { addWire, emptyWire, type WireTotalsByKind } from '../power/wire.ts';
import { driverFor } from '../protocols/registry.ts';
import { type ConnectStarts, connectSlots, emptyStarts, intendedTimes, paceConnects } from './connect-pacing.ts';
import { armFaults } from './faults.ts';
import { armPhases, joinsLate, lastPlannedMs } from './phases.ts';
import type { DeviceBytes, MainMessage, ShardResult, ShardTask, WorkerMessage } from './protocol.ts';
import { runSendLoop } from './send-loop.ts';
import { unreadByGroup } from './send-summary.ts';
import { VirtualDevice } from './shard.ts';
import { ownedIndices } from './slices.ts';
import { warmPaths } from './warm-paths.ts';
import { warmUp } from './warm-up.ts';
import { warmupEndUs } from './warm-window.ts';
import { WindowCounter } from './windows.ts';

export default async function runShard(task: ShardTask): Promise<ShardResult> {
  const { port, worker } = task;
  // On the reference shard's clock from the first reading (a sharded run, clock-sync.ts).
  setClockOffset(task.clockOffsetUs ?? 0);
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const stop = new AbortController();
  let phase: Phase = 'connect';
  let connectNow: ((atUs: number) => void) | undefined;
  let startAt: ((us: number) => void) | undefined;
  let acceptFromUs: number | undefined;
  let drainNow: (() => void) | undefined;
  let closeServersNow: (() => void) | undefined;
  const connectAllowed = new Promise<number>((resolve) => (connectNow = resolve));
  const started = new Promise<number>((resolve) => (startAt = resolve));
  const drained = new Promise<void>((resolve) => (drainNow = resolve));
  const serversMayClose = new Promise<void>((resolve) => (closeServersNow = resolve));
  port.on('message', (m: MainMessage) => {
    if (m.type === 'connect') connectNow?.(m.atUs);
    else if (m.type === 'start') {
      acceptFromUs = m.acceptFromUs;
      startAt?.(m.atUs);
    } else if (m.type === 'drain') drainNow?.();
    else if (m.type === 'closeServers') closeServersNow?.();
    else if (m.type === 'stop') {
      stop.abort();
      connectNow?.(nowUs());
      drainNow?.();
    }
  });

  const { plan } = await loadScenario(task.scenarioFile, {
    env: task.env ?? {},
    processEnv: {},
    choices: task.choices,
    ...(task.scenarioModule ? { module: task.scenarioModule } : {}),
  });
  const recorder = new Recorder(worker);
  const book = new DeliveryBook();
  const ctx = {
    plan,
    runId: task.runId,
    stampKey: runKey(task.runId),
    seed: task.seed,
    targets: task.targets,
    recorder,
    book,
    warmBook: new DeliveryBook(),
    lateThresholdUs: task.lateThresholdUs,
    startUs: 0,
    acceptFromUs: 0,
    warmupEndUs: 0,
  };

  // Receivers first, so every subscription is in place before anything is sent.
  // Will groups have no devices of their own: their fleets' devices leave the wills.
  const ordered = plan.groups.filter((g) => g.kind !== 'will').sort((a, b) => rank(a) - rank(b));
  const devices = ordered.flatMap((g) =>
    ownedIndices(g, task.shard, worker, task.workers).map((i) => new VirtualDevice(g, i, ctx)),
  );
  // Server devices (rank < 0) come up first in every worker and close last.
  const servers = devices.filter((d) => rank(d.group) < 0);
  const clients = devices.filter((d) => rank(d.group) >= 0);
  const wire = new WireDeltas();
  function withBytes(s: Snapshot): Snapshot {
    const totals = new Map<string, WireTotals>();
    for (const d of devices) {
      const t = totals.get(d.group.name) ?? emptyWireTotals();
      t.sent += d.driver.bytes.sent;
      t.received += d.driver.bytes.received;
      const dg = d.driver.datagrams;
      if (dg) {
        t.datagramsSent += dg.sent;
        t.datagramsReceived += dg.received;
      }
      totals.set(d.group.name, t);
    }
    for (const [group, t] of totals) wire.add(s, group, t);
    return s;
  }

  // Untimed, before the first measured connect: the drivers' connect paths run once (warm-up.ts).
  await warmUp(ordered, task.targets);
  // Untimed too: every fleet's send and receive paths run against a loopback server (warm-paths.ts).
  await warmPaths(plan, task.targets, worker);

  const postSnapshot = (): void => post({ type: 'snapshot', snapshot: withBytes(recorder.snapshot(phase)) });
  const snapshots = setInterval(postSnapshot, task.snapshotIntervalMs);

  // Connect phase, paced by intended time over the whole process (connect-pacing.ts). Servers
  // start from this worker's own clock; clients from the common origin of the 'connect' message.
  const ratePerS = plan.connectRatePerS / task.shard.count;
  const connects = (list: readonly VirtualDevice[], atUs: number[], starts: ConnectStarts): Promise<boolean[]> =>
    paceConnects(atUs, (i) => (list[i] as VirtualDevice).bringUp(), stop.signal, starts).then((p) => Promise.all(p));
  const slotsOf = (select: (g: GroupPlan) => boolean): number[] =>
    connectSlots(ordered, task.shard, worker, task.workers, select);
  // Server devices of every worker listen before any client of any worker connects to them.
  const serverSlots = slotsOf((g) => rank(g) < 0);
  const up = await connects(servers, intendedTimes(serverSlots, nowUs(), ratePerS), emptyStarts());
  post({ type: 'serversUp', worker });
  const connectAt = await connectAllowed;
  // Late subscribers connect at their startTime, in the send phase (phases.ts).
  const clientSlots = slotsOf((g) => rank(g) >= 0 && g.startMs === undefined);
  const connectStarts = emptyStarts();
  const early = clients.filter((d) => !joinsLate(d));
  up.push(...(await connects(early, intendedTimes(clientSlots, connectAt, ratePerS), connectStarts)));
  const connected = up.filter(Boolean).length;
  // A snapshot at the peak: short runs may otherwise close before the next interval.
  postSnapshot();
  const later = devices.filter(joinsLate).length;
  post({ type: 'ready', worker, devices: devices.length, connected, failed: devices.length - later - connected });

  let interrupted = stop.signal.aborted;
  let disarm = (): void => undefined;
  let windows: WindowCounter | undefined;
  if (!interrupted) {
    const startUs = await Promise.race([
      started,
      new Promise<number>((resolve) => stop.signal.addEventListener('abort', () => resolve(-1), { once: true })),
    ]);
    // --start-at: connected well ahead of the common start, the shard waits in the connect phase
    // (its snapshots and progress line say so), ready half a second before it.
    const waitMs = (startUs - nowUs()) / 1000 - 500;
    if (startUs >= 0 && waitMs > 500) await sleep(waitMs, stop.signal);
    if (startUs >= 0) {
      phase = 'run';
      ctx.startUs = startUs;
      ctx.acceptFromUs = acceptFromUs ?? 0;
      ctx.warmupEndUs = warmupEndUs(plan.warmup, startUs);
      for (const d of devices) d.arm(startUs);
      const senders = devices.filter((d) => d.group.publish && d.everUp);
      const endUs = startUs + task.durationMs * 1000;
      const disarmFaults = armFaults(plan.faults, devices, startUs, endUs, recorder, task.seed);
      const disarmPhases = armPhases(devices, startUs);
      disarm = () => {
        disarmFaults();
        disarmPhases();
      };
      const counted = new WindowCounter(plan, startUs);
      windows = counted;
      await runSendLoop(
        senders,
        endUs,
        stop.signal,
        (d, intendedUs) => {
          const stamped = d.fire(intendedUs);
          // Sends within a window a receiver's expectation depends on (windows.ts), by the
          // intended time their stamp carries on the wire (whole µs, metrics/stamp.ts), which is
          // what the receiver classifies by: a send due on a window's edge counts on one side.
          if (stamped !== undefined && counted.watches(d.group.name))
            counted.sent(d.group.name, d.stream, Math.round(stamped));
        },
        (d, count) => d.skip(count),
      );
      // Senders done early: the phase still lasts until its last late subscriber, return or fault.
      const heldUs = Math.min(endUs, startUs + lastPlannedMs(plan) * 1000) - nowUs();
      if (heldUs > 0) await sleep(heldUs / 1000, stop.signal);
      post({ type: 'sent', worker });
      phase = 'drain';
      await drained;
    }
    interrupted = stop.signal.aborted;
  }
  // Receive what is still in flight: the scenario's drain, or a short one after Ctrl-C.
  await sleep(interrupted ? Math.min(plan.drainMs, defaults.interruptDrainMs) : plan.drainMs);
  phase = 'done';
  // No more faults or reconnects: a device still down now stays down, counted as unrecovered.
  disarm();
  await Promise.all(devices.map((d) => d.recovery.stop()));
  // Report cycles of sleeping devices end by themselves (each bounded by the connect timeout).
  await Promise.all(clients.map((d) => d.idle()));
  // Clients and observers first (an observer deregisters from a virtual sensor), servers last:
  // only once every worker's clients have closed, since a client here may be talking to a server
  // device of another worker (its last exchanges, e.g. ending a subscription, must be answered).
  // A worker whose task ends counts as closed, so a crashed one holds no one; a hung one is
  // terminated by the pool after a stop.
  // All at once: a driver's close may wait, bounded, for the peer to show it read what was sent
  // (DriverDevice.unread), and a fleet's waits then cost one bound, not one per device.
  await Promise.all(clients.map((d) => d.driver.close()));
  post({ type: 'clientsClosed', worker });
  if (servers.length > 0) await serversMayClose;
  await Promise.all(servers.map((d) => d.driver.close()));
  // What the peer still holds for each receiver, read by its driver as it closed: not lost.
  for (const d of devices) {
    const held = d.driver.held;
    if (held && d.group.receives.length > 0) book.addHeld(d.group.name, held.store, held.count);
  }
  // What was written to the kernel but not shown read by the peer, as each driver saw it when it closed.
  const unread = unreadByGroup(devices);
  for (const d of devices) if (d.isUp && !d.sleeps) recorder.setConnected(d.group.name, -1);
  clearInterval(snapshots);
  const last = withBytes(recorder.snapshot('done'));
  // The result goes back over Piscina's channel, not this port: the main thread waits for this
  // marker before closing the port, so no snapshot still on its way is lost (pool.ts).
  post({ type: 'finished', worker });
  port.close();
  // The warm-up's messages are each stream's first sequence numbers (warm-window.ts).
  const publishers = devices.filter((d) => d.group.publish);
  const sent = publishers.map((d): [number, number] => [d.stream, d.seq]);
  for (const d of devices) if (d.willStream !== undefined) sent.push([d.willStream, d.kills]);
  return {
    worker,
    last,
    delivery: {
      ...book.final(sent),
      ...(windows ? { windows: windows.final() } : {}),
      ...(ctx.warmupEndUs > 0 ? { warmSent: publishers.map((d): [number, number] => [d.stream, d.warmSent]) } : {}),
    },
    ...(ctx.warmupEndUs > 0
      ? { warmup: ctx.warmBook.final(publishers.map((d): [number, number] => [d.stream, d.warmSent])) }
      : {}),
    deviceBytes: byteExtremes(devices),
    wire: wireByGroup(devices),
    unread,
    interrupted,
    connectStarts,
  };
}

/** What each group's devices put on the wire by kind; a driver without a breakdown counts everything as data. */
function wireByGroup(devices: readonly VirtualDevice[]): Record<string, WireTotalsByKind> {
  const out: Record<string, WireTotalsByKind> = {};
  for (const d of devices) {
    let w = d.driver.wire;
    if (!w) {
      w = emptyWire();
      const { sent, received } = d.driver.bytes;
      const dg = d.driver.datagrams;
      w.tx.data = { packets: dg?.sent ?? 0, bytes: sent };
      w.rx.data = { packets: dg?.received ?? 0, bytes: received };
    }
    let total = out[d.group.name];
    if (!total) {
      total = emptyWire();
      out[d.group.name] = total;
    }
    addWire(total, w);
  }
  return out;
}

function byteExtremes(devices: readonly VirtualDevice[]): Record<string, DeviceBytes> {
  const out: Record<string, DeviceBytes> = {};
  for (const d of devices) {
    const { sent, received } = d.driver.bytes;
    let e = out[d.group.name];
    if (!e) {
      e = { minSent: sent, maxSent: sent, minReceived: received, maxReceived: received };
      out[d.group.name] = e;
    }
    e.minSent = Math.min(e.minSent, sent);
    e.maxSent = Math.max(e.maxSent, sent);
    e.minReceived = Math.min(e.minReceived, received);
    e.maxReceived = Math.max(e.maxReceived, received);
  }
  return out;
}

function rank(group: GroupPlan): number {
  // Devices that are servers (Driver.isServer: virtual sensors, webhook endpoints) listen before anyone, in
  // any worker, registers with or connects to them.
  if (driverFor(group.protocol)?.isServer?.(group.options)) return -1;
  if (group.kind === 'observer') return 0;
  if (group.subscribe && !group.publish) return 1;
  return 2;
}
