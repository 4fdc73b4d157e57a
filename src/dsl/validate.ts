// Validation of a loaded scenario into a Plan. Collects every problem (not just the first),
// each naming the field path and what was expected.

import { Checker, fieldsOf, show } from '../base/check.ts';
import { defaults } from '../base/defaults.ts';
import { ScenarioError } from '../base/errors.ts';
import { checkTargetUrl } from '../base/url.ts';
import { MAX_DEVICES_PER_FLEET, MAX_FLEETS } from '../metrics/stamp.ts';
import { allDrivers, driverFor, drivers } from '../protocols/registry.ts';
import { acceptOutages, parseExpectations } from '../thresholds/health.ts';
import { parseThresholds } from '../thresholds/parse.ts';
import { checkClientIds } from './client-ids.ts';
import { resolveFaults, resolveReconnect } from './faults.ts';
import { disrupts, resolveImpair } from './impair.ts';
import { checkDeviceLimits } from './limits.ts';
import { linkGroups, sectionOf, shareFilters } from './link.ts';
import type { GroupKind, GroupPlan, Plan, PublishPlan } from './plan.ts';
import { resolvePower } from './power.ts';
import { type LoadScale, scaleGroups } from './scale.ts';
import { resolveSessionPhases } from './sessions.ts';
import { resolveSourceAddresses } from './source-addresses.ts';
import type { CommandDefinition, FleetDefinition, ObserverDefinition, ScenarioDefinition } from './types.ts';
import { resolvePayload, resolveSchedule } from './validate-send.ts';
import { resolveWarmup } from './warmup.ts';

const TOP = fieldsOf<ScenarioDefinition>()([
  'name',
  'description',
  'duration',
  'rampUp',
  'drain',
  'warmup',
  'connectRate',
  'connectTimeout',
  'seed',
  'targets',
  'fleets',
  'observers',
  'commands',
  'thresholds',
  'expect',
  'faults',
  'impair',
  'sourceAddresses',
]);
const FLEET = fieldsOf<FleetDefinition>()([
  'count',
  'protocol',
  'topic',
  'path',
  'send',
  'messages',
  'payload',
  'subscribe',
  'reply',
  'power',
  'reconnect',
]);
const OBSERVER = fieldsOf<ObserverDefinition>()([
  'count',
  'protocol',
  'receives',
  'subscribe',
  'share',
  'reconnect',
  'startTime',
  'offline',
]);
const COMMAND = fieldsOf<CommandDefinition>()([
  'count',
  'protocol',
  'to',
  'topic',
  'send',
  'messages',
  'payload',
  'reconnect',
]);
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** What the run decided that the scenario left open. */
export interface RunChoices {
  /** Per group: the free base port its server devices listen on, when the scenario gave none (Driver.freePorts). */
  ports?: Readonly<Record<string, number>>;
  /** `fleetbench capacity`: the sending groups' devices or rates scaled by a step's factor (dsl/scale.ts). */
  scale?: LoadScale;
}

/** Validates `scenario` (the default export of `file`) and returns its plan, or throws ScenarioError. */
export { sectionOf };

export function validateScenario(scenario: unknown, file: string, choices: RunChoices = {}): Plan {
  const check = new Checker();
  const plan = buildPlan(scenario, check, file, choices);
  if (check.problems.length > 0 || !plan)
    throw new ScenarioError(file, check.problems.length ? check.problems : ['scenario: could not be read']);
  return plan;
}

function buildPlan(raw: unknown, check: Checker, file: string, choices: RunChoices): Plan | undefined {
  if (!check.isObject(raw)) {
    check.note('(default export)', `expected defineScenario({...}), got ${show(raw)}`);
    return undefined;
  }
  check.known('', raw, TOP);
  const name = check.string('name', raw.name);
  const durationMs = check.duration('duration', raw.duration, { positive: true });
  const rampUpMs = check.duration('rampUp', raw.rampUp, { fallback: defaults.rampUpMs });
  const drainMs = check.duration('drain', raw.drain, { fallback: defaults.drainMs });
  const warmup =
    resolveWarmup(check, raw.warmup, durationMs) ??
    (choices.scale?.warmupMs ? { durationMs: choices.scale.warmupMs, include: false } : undefined);
  const connectRatePerS = check.rate('connectRate', raw.connectRate, { fallback: defaults.connectRatePerS });
  const connectTimeoutMs = check.duration('connectTimeout', raw.connectTimeout, {
    fallback: defaults.connectTimeoutMs,
    positive: true,
  });
  const seed = raw.seed === undefined ? undefined : check.integer('seed', raw.seed, 0, 0xffff_ffff);
  const sourceAddresses = resolveSourceAddresses(check, raw.sourceAddresses);
  const targets: Record<string, string> = {};
  if (raw.targets !== undefined) {
    const t = check.object('targets', raw.targets);
    for (const [key, url] of Object.entries(t ?? {})) {
      if (typeof url === 'string' && url.length > 0) targets[key] = url;
      else check.fail(`targets.${key}`, 'a URL string', url);
    }
  }

  const groups: GroupPlan[] = [];
  const sections: [string, unknown, GroupKind][] = [
    ['fleets', raw.fleets, 'fleet'],
    ['observers', raw.observers, 'observer'],
    ['commands', raw.commands, 'command'],
  ];
  // Every name seen, valid or not: a duplicate must be caught even when its first holder is invalid.
  const names = new Set<string>();
  for (const [section, value, kind] of sections) {
    if (value === undefined && kind !== 'fleet') continue;
    const entries = check.object(section, value);
    if (!entries) continue;
    if (kind === 'fleet' && Object.keys(entries).length === 0) check.note('fleets', 'expected at least one fleet');
    for (const [groupName, def] of Object.entries(entries)) {
      const path = `${section}.${groupName}`;
      if (!NAME.test(groupName))
        check.note(path, 'a name must start with a letter and use only letters, digits, _ and -');
      if (names.has(groupName)) {
        // Not built: a second group under the same name would only add confusing follow-on errors.
        check.note(path, `the name ${JSON.stringify(groupName)} is already used by another fleet, observer or command`);
        continue;
      }
      names.add(groupName);
      const group = buildGroup(check, path, groupName, groups.length, kind, def, choices.ports?.[groupName]);
      if (group) groups.push(group);
    }
  }
  if (choices.scale) scaleGroups(groups, choices.scale);
  if (groups.length > MAX_FLEETS) check.note('fleets', `at most ${MAX_FLEETS} fleets, observers and commands in all`);
  checkDeviceLimits(check, groups);
  checkClientIds(check, groups, (g) => `${sectionOf(g)}.${g.name}`);
  linkGroups(check, groups, raw);
  resolveSessionPhases(check, groups, raw.observers, durationMs);
  const thresholds = parseThresholds(check, raw.thresholds, [...names]);
  const impair = resolveImpair(check, raw.impair, groups);
  // A link impaired to reset or blackhole its connections makes its groups' outages expected.
  const cut = groups.filter((g) => disrupts(impair[g.target])).map((g) => g.name);
  const expect = acceptOutages(parseExpectations(check, raw.expect, [...names]), thresholds, cut);
  const faults = resolveFaults(check, raw.faults, [...names], durationMs);
  const checkedTargets = new Set<string>();
  for (const group of groups) {
    const url = targets[group.target];
    if (url === undefined) {
      if (group.target !== group.protocol)
        check.note(
          `${sectionOf(group)}.${group.name}.protocol.target`,
          `no target named ${JSON.stringify(group.target)} in targets`,
        );
      continue;
    }
    // One report per target, however many groups use it.
    if (checkedTargets.has(group.target)) continue;
    checkedTargets.add(group.target);
    const problem = checkTargetUrl(url, driverFor(group.protocol)?.schemes ?? []);
    if (problem) check.note(`targets.${group.target}`, problem);
  }
  if (
    check.problems.length > 0 ||
    name === undefined ||
    durationMs === undefined ||
    rampUpMs === undefined ||
    drainMs === undefined ||
    connectRatePerS === undefined ||
    connectTimeoutMs === undefined
  ) {
    return undefined;
  }
  return {
    file,
    name,
    durationMs,
    rampUpMs,
    drainMs,
    connectRatePerS,
    connectTimeoutMs,
    seed,
    targets,
    groups,
    thresholds,
    expect,
    faults,
    impair,
    ...(warmup ? { warmup } : {}),
    ...(sourceAddresses ? { sourceAddresses } : {}),
  };
}

function buildGroup(
  check: Checker,
  path: string,
  name: string,
  index: number,
  kind: GroupKind,
  raw: unknown,
  port: number | undefined,
): GroupPlan | undefined {
  const def = check.object(path, raw);
  if (!def) return undefined;
  check.known(path, def, kind === 'fleet' ? FLEET : kind === 'observer' ? OBSERVER : COMMAND);
  const count = check.integer(`${path}.count`, def.count, 1, MAX_DEVICES_PER_FLEET, kind === 'fleet' ? undefined : 1);
  const protocol = resolveProtocol(check, `${path}.protocol`, def.protocol, port);

  let publish: PublishPlan | undefined;
  // `path` is how path-addressed protocols spell `topic` (a resource path such as '/telemetry/{id}').
  const topicField = def.path !== undefined ? 'path' : 'topic';
  if (def.path !== undefined && def.topic !== undefined)
    check.note(`${path}.path`, 'give either topic or path, not both');
  const byPath = protocol !== undefined && driverFor(protocol.name)?.addressing === 'path';
  if (protocol && def.path !== undefined && !byPath)
    check.note(
      `${path}.path`,
      `is for protocols that address resources by path (${pathProtocols()}); ${protocol.name} fleets use topic`,
    );
  if (kind === 'command' || def.send !== undefined || def[topicField] !== undefined) {
    const topic = check.string(`${path}.${topicField}`, def[topicField]);
    if (topic !== undefined && byPath && !topic.startsWith('/'))
      check.fail(`${path}.${topicField}`, "a resource path starting with '/', e.g. '/telemetry/{id}'", topic);
    if (topic !== undefined)
      checkPlaceholders(
        check,
        `${path}.${topicField}`,
        topic,
        kind === 'command' ? ['id', 'fleet', 'run', 'target'] : ['id', 'fleet', 'run'],
      );
    if (topic !== undefined && kind === 'command' && !topic.includes('{target}'))
      check.note(`${path}.topic`, 'expected a topic containing {target}, the addressed device');
    const schedule = resolveSchedule(check, `${path}.send`, def.send);
    const payload = resolvePayload(check, `${path}.payload`, def.payload);
    const messages =
      def.messages === undefined
        ? undefined
        : check.integer(`${path}.messages`, def.messages, 1, Number.MAX_SAFE_INTEGER);
    const commandTo = kind === 'command' ? check.string(`${path}.to`, def.to) : undefined;
    if (topic !== undefined && schedule && payload) publish = { topic, schedule, payload, messages, commandTo };
  } else if (def.messages !== undefined || def.payload !== undefined) {
    check.note(`${path}.send`, "expected a schedule such as every('1s') when messages or payload are given");
  }

  let subscribe: string[] | undefined;
  let receives: string[] = [];
  if (kind === 'observer') {
    const list = def.receives;
    if (!Array.isArray(list) || list.length === 0 || !list.every((r) => typeof r === 'string'))
      check.fail(`${path}.receives`, "a non-empty list of fleet names, e.g. ['gps']", list);
    else receives = list as string[];
    if (def.subscribe !== undefined)
      subscribe = resolveFilters(check, `${path}.subscribe`, def.subscribe, protocol?.name);
    if (
      def.share !== undefined &&
      check.string(`${path}.share`, def.share) !== undefined &&
      !NAME.test(def.share as string)
    )
      check.fail(`${path}.share`, 'a group name of letters, digits, _ and -', def.share);
    if (def.share !== undefined && protocol && !driverFor(protocol.name)?.sharedFilter)
      check.note(`${path}.share`, `${protocol.name} has no shared subscriptions (an MQTT 5 feature)`);
  } else if (kind === 'fleet' && def.subscribe !== undefined) {
    subscribe = resolveFilters(check, `${path}.subscribe`, def.subscribe, protocol?.name);
  }
  const reply = def.reply === undefined ? false : check.boolean(`${path}.reply`, def.reply, false);
  if (reply && kind === 'fleet' && def.subscribe === undefined)
    check.note(`${path}.reply`, 'replies need a subscribe topic to receive commands on');
  if (kind === 'fleet' && def.send === undefined && def[topicField] === undefined && def.subscribe === undefined)
    check.note(path, 'expected send + topic (a sensor) or subscribe (an actuator)');
  const power =
    kind === 'fleet' && def.power !== undefined ? resolvePower(check, `${path}.power`, def.power) : undefined;
  if (
    power?.session === 'sleep' &&
    (def.subscribe !== undefined || (protocol !== undefined && driverFor(protocol.name)?.isServer?.(protocol.options)))
  ) {
    check.note(
      `${path}.power.session`,
      "'sleep' devices are offline between reports and cannot receive or serve; use session: 'persistent'",
    );
  }
  if (power?.session === 'sleep' && def.send === undefined)
    check.note(`${path}.power.session`, "'sleep' devices wake to send: give the fleet a send schedule");
  if (protocol && kind !== 'server' && kind !== 'will')
    driverFor(protocol.name)?.checkGroup?.(
      check,
      path,
      {
        kind,
        count: typeof def.count === 'number' ? def.count : undefined,
        sends: def.send !== undefined,
      },
      protocol.options,
    );

  if (count === undefined || !protocol) return undefined;
  const share = kind === 'observer' && typeof def.share === 'string' ? def.share : undefined;
  return {
    name,
    index,
    kind,
    count,
    protocol: protocol.name,
    options: protocol.options,
    target: protocol.target,
    publish,
    subscribe: share && subscribe ? shareFilters(protocol.name, share, subscribe) : subscribe,
    receives,
    receiverMode: share ? 'group' : 'each',
    reply,
    ...(power ? { power } : {}),
    reconnect: resolveReconnect(check, `${path}.reconnect`, def.reconnect),
  };
}

function resolveProtocol(
  check: Checker,
  path: string,
  raw: unknown,
  port: number | undefined,
): { name: string; options: unknown; target: string } | undefined {
  const available = Object.keys(drivers)
    .map((n) => `${n}({...})`)
    .join(', ');
  if (!check.isObject(raw) || typeof raw.protocol !== 'string')
    return check.fail(path, `a protocol such as ${available}`, raw);
  const driver = driverFor(raw.protocol);
  if (!driver) {
    check.note(
      path,
      `unknown protocol ${JSON.stringify(raw.protocol)} (available: ${Object.keys(drivers).join(', ')})`,
    );
    return undefined;
  }
  const resolved = driver.resolveOptions(raw.options, path, check);
  if (resolved === undefined) return undefined;
  const options = port !== undefined && driver.withPort ? driver.withPort(resolved, port) : resolved;
  const target = (options as { target?: string }).target ?? driver.name;
  return { name: driver.name, options, target };
}

function resolveFilters(
  check: Checker,
  path: string,
  raw: unknown,
  protocol: string | undefined,
): string[] | undefined {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string' && f.length > 0))
    return check.fail(path, 'a topic filter or a list of them', raw);
  for (const f of list as string[]) {
    checkPlaceholders(check, path, f, ['id', 'fleet', 'run']);
    const problem = protocol === undefined ? undefined : driverFor(protocol)?.filterProblem?.(f);
    if (problem) check.note(path, problem);
  }
  return list as string[];
}

/** Topic templates may only use the placeholders that are filled in; a typo must not be sent literally. */
function checkPlaceholders(check: Checker, path: string, template: string, allowed: readonly string[]): void {
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    if (!allowed.includes(m[1] as string))
      check.note(
        path,
        `unknown placeholder {${m[1]}} in ${JSON.stringify(template)} (expected ${allowed.map((a) => `{${a}}`).join(', ')})`,
      );
  }
}

/** Path-addressed protocols, for messages: 'coap, http'. */
function pathProtocols(): string {
  return allDrivers()
    .filter((d) => d.addressing === 'path')
    .map((d) => d.name)
    .join(', ');
}
