// The scenario's `impair` block: a link with added delay, jitter, loss, a rate limit, blackholes
// and resets in front of a target, resolved per target with the transport its groups use.
import { type Checker, fieldsOf } from '../base/check.ts';
import { type Duration, parseBitRate, parsePercent } from '../base/units.ts';
import type { Blackhole, ImpairSpec, ResolvedImpair, Transport } from '../impair/spec.ts';
import { driverFor } from '../protocols/registry.ts';
import type { GroupPlan } from './plan.ts';

export interface BlackholeDefinition {
  /** From the start of the send phase, e.g. '5s'. */
  at: Duration;
  /** How long nothing passes, e.g. '3s'. */
  for: Duration;
}

export interface ResetDefinition {
  /** From the start of the send phase: every open connection is reset (RST) then. */
  at: Duration;
}

/** One target's link (docs/faults.md#impairment-a-degraded-link-in-front-of-a-target). Delays are added each way: a round trip grows by twice them. */
export interface ImpairDefinition {
  /** Added one-way delay, each direction, e.g. '20ms'. */
  latency?: Duration;
  /** ± uniform around `latency`, seeded; never reorders. At most `latency`. */
  jitter?: Duration;
  /** Datagrams dropped, e.g. '1%' (datagram transports only: a byte stream cannot lose bytes). */
  loss?: string;
  /** Rate limit each direction, e.g. '250kbit/s', '64KiB/s'. */
  bandwidth?: string;
  /** Windows when nothing passes either way; connections stay open. */
  blackhole?: BlackholeDefinition | BlackholeDefinition[];
  /** Moments when every open connection is reset (stream transports only). */
  reset?: ResetDefinition | ResetDefinition[];
}

const FIELDS = fieldsOf<ImpairDefinition>()(['latency', 'jitter', 'loss', 'bandwidth', 'blackhole', 'reset']);

/** Resolves `impair` against the groups' targets; problems are reported at `impair.<target>.<field>`. */
export function resolveImpair(
  check: Checker,
  raw: unknown,
  groups: readonly GroupPlan[],
): Record<string, ResolvedImpair> {
  const out: Record<string, ResolvedImpair> = {};
  if (raw === undefined) return out;
  const entries = check.object('impair', raw);
  if (!entries) return out;
  const used = [...new Set(groups.map((g) => g.target))];
  for (const [target, value] of Object.entries(entries)) {
    const path = `impair.${target}`;
    const users = groups.filter((g) => g.target === target);
    if (users.length === 0) {
      check.note(
        path,
        `no fleet, observer or command uses a target named ${JSON.stringify(target)} (targets used: ${used.join(', ')})`,
      );
      continue;
    }
    const listening = users.find((g) => driverFor(g.protocol)?.isServer?.(g.options));
    if (listening) {
      check.note(
        path,
        `${listening.name}'s devices listen themselves: only targets that devices connect to can be impaired`,
      );
      continue;
    }
    const transport = driverFor(users[0]?.protocol ?? '')?.transport;
    if (!transport) continue;
    const def = check.section(path, value, FIELDS);
    if (!def) continue;
    const spec = resolveSpec(check, path, def, transport);
    if (spec) out[target] = { transport, spec };
  }
  return out;
}

function resolveSpec(
  check: Checker,
  path: string,
  def: Record<string, unknown>,
  transport: Transport,
): ImpairSpec | undefined {
  const before = check.problems.length;
  if (Object.keys(def).length === 0) check.note(path, `expected at least one of ${FIELDS.join(', ')}`);
  const latencyMs = check.duration(`${path}.latency`, def.latency, { fallback: 0 }) ?? 0;
  const jitterMs = check.duration(`${path}.jitter`, def.jitter, { fallback: 0 }) ?? 0;
  if (jitterMs > latencyMs)
    check.note(`${path}.jitter`, `must not exceed latency (${latencyMs} ms): a chunk cannot leave before it arrived`);
  let loss = 0;
  if (def.loss !== undefined) {
    const l = parsePercent(def.loss);
    if (l === undefined) check.fail(`${path}.loss`, "a percentage like '1%'", def.loss);
    else if (transport === 'tcp')
      check.note(
        `${path}.loss`,
        'applies to datagram (udp) targets only: a tcp byte stream cannot lose bytes (use blackhole or reset)',
      );
    else loss = l;
  }
  let bandwidthBytesPerS = 0;
  if (def.bandwidth !== undefined) {
    const b = parseBitRate(def.bandwidth);
    if (b === undefined || b <= 0)
      check.fail(`${path}.bandwidth`, "a rate like '250kbit/s', '1Mbit/s' or '64KiB/s'", def.bandwidth);
    else bandwidthBytesPerS = b;
  }
  const blackholes: Blackhole[] = [];
  listOf(def.blackhole).forEach(([item, suffix]) => {
    const at = `${path}.blackhole${suffix}`;
    const w = check.section(at, item, ['at', 'for']);
    if (!w) return;
    const atMs = check.duration(`${at}.at`, w.at);
    const forMs = check.duration(`${at}.for`, w.for, { positive: true });
    if (atMs !== undefined && forMs !== undefined) blackholes.push({ atMs, forMs });
  });
  const resetsAtMs: number[] = [];
  if (def.reset !== undefined && transport === 'udp')
    check.note(
      `${path}.reset`,
      'applies to stream (tcp) targets only: datagrams have no connection to reset (use blackhole)',
    );
  else
    listOf(def.reset).forEach(([item, suffix]) => {
      const at = `${path}.reset${suffix}`;
      const r = check.section(at, item, ['at']);
      if (!r) return;
      const atMs = check.duration(`${at}.at`, r.at);
      if (atMs !== undefined) resetsAtMs.push(atMs);
    });
  if (check.problems.length > before) return undefined;
  return { latencyMs, jitterMs, loss, bandwidthBytesPerS, blackholes, resetsAtMs };
}

/** One item or a list of them, each with its path suffix ('' or '[i]'). */
function listOf(value: unknown): [unknown, string][] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map((v, i) => [v, `[${i}]`]);
  return [[value, '']];
}

/** Whether an impaired link cuts its connections (a reset, or a blackhole long enough to end them). */
export function disrupts(impair: ResolvedImpair | undefined): boolean {
  return impair !== undefined && (impair.spec.resetsAtMs.length > 0 || impair.spec.blackholes.length > 0);
}
