// Warming a worker's hot paths before the common start. A fresh worker has never built a
// payload, stamped or sent a message, parsed a delivery or recorded a latency: that code runs
// interpreted at first, and V8 compiles it only once it is hot, while at the start of the send
// phase every device sends at once (400 acknowledged sends with their acks and deliveries through a
// loopback broker in the same thread: 355 ms in a fresh thread, 100 ms the second time).
// So each worker runs one throwaway device per sending and per receiving fleet, built exactly as
// the run builds them (shard.ts), against an embedded server of the fleet's own driver on
// loopback, with a recorder and delivery books of its own that nobody reads: every fleet's
// payload, stamp, send, receipt and histogram paths run a few hundred times. Nothing reaches the
// target, nothing is counted. Groups the embedded server cannot serve (Driver.embeddedHint),
// server devices and sleeping devices are left out; every step is bounded in time and never throws.
import type { GroupPlan, Plan } from '../dsl/plan.ts';
import { nowUs, sleep } from '../metrics/clock.ts';
import { DeliveryBook } from '../metrics/delivery.ts';
import { Recorder } from '../metrics/recorder.ts';
import { runKey } from '../metrics/stamp.ts';
import type { EmbeddedServer } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';
import type { ShardContext } from './context.ts';
import { VirtualDevice } from './shard.ts';
import { warmGroup } from './warm-window.ts';

/** Sends per throwaway sender: enough for the send and receive paths to be compiled (measured below). */
const WARM_SENDS = 400;
/** Sends between two turns of the event loop, so acks and deliveries flow meanwhile. */
const WARM_BATCH = 20;
/** The whole warming ends after this long, whatever is still under way. */
const WARM_BOUND_MS = 1500;
/** A connect to the embedded server gives up after this long. */
const CONNECT_BOUND_MS = 500;

/**
 * Runs the hot paths of `plan`'s groups once per worker; resolves within WARM_BOUND_MS, never
 * throws. Returns what the throwaway devices sent and received (on loopback, never the target).
 */
export async function warmPaths(
  plan: Plan,
  targets: Record<string, string>,
  worker: number,
): Promise<{ sent: number; received: number }> {
  const stop = new AbortController();
  const bound = setTimeout(() => stop.abort(), WARM_BOUND_MS);
  const servers: EmbeddedServer<unknown>[] = [];
  const devices: VirtualDevice[] = [];
  const done = { sent: 0, received: 0 };
  try {
    const byProtocol = new Map<string, GroupPlan[]>();
    for (const g of plan.groups)
      if (warmable(plan, g)) byProtocol.set(g.protocol, [...(byProtocol.get(g.protocol) ?? []), neutral(g)]);
    const ctx = throwawayContext(plan, worker);
    for (const [protocol, groups] of byProtocol) {
      const driver = driverFor(protocol);
      if (!driver?.startEmbedded || stop.signal.aborted) continue;
      const server = await driver.startEmbedded();
      servers.push(server);
      // What the server receives itself (a sink) is nobody's: handlers that drop it.
      server.sink?.attach({ onMessage: () => undefined, onCode: () => undefined, onError: () => undefined });
      for (const g of groups) ctx.targets[g.target] = listenerFor(server, targets[g.target]);
      // Receivers first, subscribed before anything is sent, as in the run.
      const ordered = [...groups].sort((a, b) => Number(a.publish !== undefined) - Number(b.publish !== undefined));
      for (const g of ordered) {
        if (stop.signal.aborted) break;
        const d = new VirtualDevice(g, 0, ctx);
        // A lost connection is not reconnected: the device is thrown away.
        void d.recovery.stop();
        devices.push(d);
        await within(d.bringUp(), CONNECT_BOUND_MS);
      }
    }
    ctx.startUs = nowUs();
    // Both sides of a warm-up boundary (warm-split.ts), when the scenario keeps one apart.
    if (plan.warmup && !plan.warmup.include) ctx.warmupEndUs = Math.round(ctx.startUs) + 50_000;
    const senders = devices.filter((d) => d.group.publish && d.isUp && !d.sleeps);
    for (const d of senders) d.arm(ctx.startUs);
    for (let i = 0; i < WARM_SENDS && !stop.signal.aborted; i++) {
      for (const d of senders) d.fire(nowUs());
      if ((i + 1) % WARM_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // Deliveries still on their way: until they are in, or the bound. A receiver of another
    // protocol's fleet gets nothing here (nothing bridges two embedded servers).
    const receivers = devices.filter((d) => d.group.receives.length > 0 && d.isUp);
    let expected = 0;
    for (const r of receivers)
      for (const s of senders)
        if (s.group.protocol === r.group.protocol && r.group.receives.includes(s.group.name)) expected += s.seq;
    while (!stop.signal.aborted && received(receivers) < expected) await sleep(5, stop.signal);
    done.sent = senders.reduce((n, d) => n + d.seq, 0);
    done.received = received(receivers);
    // The snapshot path: every interval histogram encoded once.
    ctx.recorder.snapshot('run');
  } catch {
    // Warming is best effort: a group the embedded server refuses is simply not warmed.
  } finally {
    clearTimeout(bound);
    await within(
      Promise.allSettled([...devices.map((d) => d.driver.close()), ...servers.map((s) => s.close())]),
      CONNECT_BOUND_MS,
    );
    for (const d of devices) if (d.driver.connected) d.driver.kill();
  }
  return done;
}

/**
 * A group with a device of its own that connects out, which an embedded server of its driver can
 * serve. Not a receiver of server devices (virtual sensors): its subscriptions address the run's
 * own devices, not a server.
 */
function warmable(plan: Plan, g: GroupPlan): boolean {
  const driver = driverFor(g.protocol);
  if (!driver || g.kind === 'will' || driver.isServer?.(g.options)) return false;
  if (g.publish === undefined && g.receives.length === 0) return false;
  const sources = plan.groups.filter((s) => g.receives.includes(s.name));
  if (sources.some((s) => driverFor(s.protocol)?.isServer?.(s.options))) return false;
  return driver.embeddedHint?.(g.options, g) === undefined;
}

/**
 * The group with a payload of the same kind and size whose function is not the scenario's: a
 * scenario's payload function may keep state (a counter, a sequence), which throwaway sends
 * must not advance.
 */
function neutral(g: GroupPlan): GroupPlan {
  const p = g.publish;
  if (p?.payload.kind !== 'json') return g;
  return { ...g, publish: { ...p, payload: { ...p.payload, fn: ({ id, seq }) => ({ id, seq, value: 0 }) } } };
}

/** `p`, or nothing after `ms`: the timer does not outlive the race. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** The embedded server's listener with the real target's scheme (one of several listeners), else its default. */
function listenerFor(server: EmbeddedServer<unknown>, target: string | undefined): string {
  const scheme = target?.split(':')[0];
  const same = Object.values(server.urls).find((u) => u.split(':')[0] === scheme);
  return same ?? server.urls.default ?? Object.values(server.urls)[0] ?? '';
}

/** Deliveries so far, the warm-up side's included (warm-split.ts). */
function received(receivers: readonly VirtualDevice[]): number {
  let n = 0;
  for (const d of receivers) n += d.counters.received + d.ctx.recorder.of(warmGroup(d.group.name)).received;
  return n;
}

function throwawayContext(plan: Plan, worker: number): ShardContext {
  const runId = `warm${process.pid}w${worker}`;
  return {
    plan,
    runId,
    stampKey: runKey(runId),
    seed: 1,
    targets: {},
    recorder: new Recorder(-1),
    book: new DeliveryBook(),
    warmBook: new DeliveryBook(),
    lateThresholdUs: 5000,
    startUs: 0,
    warmupEndUs: 0,
  };
}
