// The `power` option of a fleet: which radio the devices have (a profile, any number of it
// overridden), the link it is priced over, what battery, and whether the devices keep their
// connection between reports or sleep. docs/power.md lists every field.

import type { Checker } from '../base/check.ts';
import { formatFigure } from '../base/format.ts';
import type { Duration } from '../base/units.ts';
import {
  type Battery,
  type CoverageClass,
  PROFILES,
  type ProfileName,
  parseBattery,
  type RadioProfile,
  withCoverage,
} from '../power/index.ts';

type Currents = 'txmA' | 'rxmA' | 'listenmA' | 'idlemA' | 'sleepmA' | 'cpumA';
type LinkNumbers = 'preambleUs' | 'linkOverheadBytes' | 'rampUs' | 'ccaUs' | 'l2AckUs';

export interface PowerSpec extends Partial<Pick<RadioProfile, Currents>> {
  /** The radio profile the figures start from. */
  radio: ProfileName;
  /** '2400mAh', '2xAA' (default) or { mAh, volts }. */
  battery?: string | { mAh: number; volts?: number };
  /** 'persistent' (default): connected between reports; 'sleep': wake, connect, send, disconnect, sleep for every report. */
  session?: 'persistent' | 'sleep';
  /** The keepalive interval the devices use when deployed (default: the protocol's own, e.g. MQTT keepalive). */
  keepalive?: Duration;
  /** NB-IoT coverage class: 'normal' (144 dB, default), 'robust' (154 dB), 'extreme' (164 dB). */
  coverage?: CoverageClass;
  /** Cellular: the device signals Release Assistance (RAI) after its exchange, so the network cuts the tail. */
  rai?: boolean;
  /** Cellular sleep sessions: 'psm' (default) keeps the registration; 'off' turns the modem off and attaches again per report. */
  modem?: 'psm' | 'off';
  /** Cellular, persistent devices: the eDRX cycle in RRC idle ('81.92s' or '655.36s'), which sets the idle floor. */
  edrx?: Duration;
  /** The link: round trip (one figure, or low/mid/high), rates, loss on the radio link. */
  link?: {
    rtt?: Duration | { low: Duration; mid: Duration; high: Duration };
    upBps?: number;
    downBps?: number;
    loss?: number;
  };
  /** Both directions' PHY rate (shorthand for link.upBps and link.downBps). */
  bitrateBps?: number;
  preambleUs?: number;
  linkOverheadBytes?: number;
  rampUs?: number;
  ccaUs?: number;
  l2AckUs?: number;
  /** Overrides of the profile's wake (from sleep), promotion (from connected idle) and tail. */
  wake?: { ms?: number; mC?: number };
  promote?: { ms?: number; mC?: number };
  tail?: { ms?: number; mA?: number };
}

export interface ResolvedPower {
  profile: RadioProfile;
  battery: Battery;
  /** The battery as written, for reports. */
  batteryLabel: string;
  session: 'persistent' | 'sleep';
  /** Seconds; undefined: the protocol's keepalive. 0: none. */
  keepaliveS: number | undefined;
  /** The fields the scenario overrode, for reports. */
  overridden: string[];
  coverage: CoverageClass | null;
  rai: boolean;
}

const CURRENTS: readonly Currents[] = ['txmA', 'rxmA', 'listenmA', 'idlemA', 'sleepmA', 'cpumA'];
const LINK_NUMBERS: readonly LinkNumbers[] = ['preambleUs', 'linkOverheadBytes', 'rampUs', 'ccaUs', 'l2AckUs'];
const FIELDS = [
  'radio',
  'battery',
  'session',
  'keepalive',
  'coverage',
  'rai',
  'edrx',
  'modem',
  'link',
  'bitrateBps',
  'wake',
  'promote',
  'tail',
  ...CURRENTS,
  ...LINK_NUMBERS,
] as const;

export function resolvePower(check: Checker, path: string, raw: unknown): ResolvedPower | undefined {
  const def = check.object(path, raw);
  if (!def) return undefined;
  const { volts, ...rest } = def;
  check.known(path, rest, FIELDS);
  const radio = check.oneOf(`${path}.radio`, def.radio, Object.keys(PROFILES) as ProfileName[]);
  const session = check.oneOf(`${path}.session`, def.session, ['persistent', 'sleep'] as const, 'persistent');
  const keepaliveMs = def.keepalive === undefined ? undefined : check.duration(`${path}.keepalive`, def.keepalive);
  if (volts !== undefined)
    check.fail(
      `${path}.volts`,
      "no such field: a profile's currents are given at its own supply voltage; give the battery's voltage as battery: { mAh, volts }",
      volts,
    );
  // An unknown radio still lets every other field be checked (against any profile's shape).
  const base = PROFILES[radio ?? 'esp32-wifi'];
  const coverage = resolveCoverage(check, path, def.coverage, base);
  let profile: RadioProfile = structuredClone(withCoverage(base, coverage));
  const overridden: string[] = [];
  const figure = (at: string, value: unknown, positive = false): number | undefined => {
    if (typeof value === 'number' && Number.isFinite(value) && (positive ? value > 0 : value >= 0)) return value;
    return check.fail(at, positive ? 'a positive number' : 'a number ≥ 0', value);
  };
  for (const k of CURRENTS) {
    if (def[k] === undefined) continue;
    const v = figure(`${path}.${k}`, def[k]);
    if (v !== undefined) {
      profile[k] = v;
      overridden.push(k);
    }
  }
  for (const k of LINK_NUMBERS) {
    if (def[k] === undefined) continue;
    const v = figure(`${path}.${k}`, def[k]);
    if (v !== undefined) {
      profile.link[k] = v;
      overridden.push(k);
    }
  }
  if (def.bitrateBps !== undefined) {
    const v = figure(`${path}.bitrateBps`, def.bitrateBps, true);
    if (v !== undefined) {
      profile.link.upBps = v;
      profile.link.downBps = v;
      overridden.push('bitrateBps');
    }
  }
  for (const [part, keys] of [
    ['wake', ['ms', 'mC']],
    ['promote', ['ms', 'mC']],
    ['tail', ['ms', 'mA']],
  ] as const) {
    if (def[part] === undefined) continue;
    const o = check.object(`${path}.${part}`, def[part]);
    if (!o) continue;
    check.known(`${path}.${part}`, o, keys);
    for (const k of keys) {
      if (o[k] === undefined) continue;
      const v = figure(`${path}.${part}.${k}`, o[k]);
      if (v !== undefined) {
        (profile[part] as Record<string, number>)[k] = v;
        overridden.push(`${part}.${k}`);
      }
    }
  }
  profile = resolveLink(check, path, def.link, profile, overridden);
  const rai = check.boolean(`${path}.rai`, def.rai, false);
  if (rai && base.raiTailMs === null)
    check.fail(
      `${path}.rai`,
      `false: the ${base.name} radio has no Release Assistance (cellular radios only)`,
      def.rai,
    );
  if (def.edrx !== undefined) {
    const ms = check.duration(`${path}.edrx`, def.edrx);
    const cycles = Object.keys(base.edrx);
    const cycle = cycles.find((c) => ms !== undefined && Math.abs(Number(c) * 1000 - ms) < 1);
    const floor = cycle === undefined ? undefined : base.edrx[cycle];
    if (ms !== undefined && floor === undefined)
      check.fail(
        `${path}.edrx`,
        cycles.length > 0
          ? `one of ${cycles.map((c) => `'${c}s'`).join(', ')}`
          : `nothing: the ${base.name} radio has no eDRX`,
        def.edrx,
      );
    if (floor !== undefined) {
      profile.idlemA = floor;
      overridden.push('edrx');
    }
  }
  const modem = check.oneOf(`${path}.modem`, def.modem, ['psm', 'off'] as const, 'psm');
  if (modem === 'off') {
    if (base.attach === null)
      check.fail(
        `${path}.modem`,
        `'psm' (the default): the ${base.name} radio has no modem to turn off (cellular radios only)`,
        def.modem,
      );
    else if (session !== 'sleep')
      check.fail(`${path}.modem`, "'psm': a modem turned off between reports needs session: 'sleep'", def.modem);
    else {
      profile.wake = { ...base.attach };
      overridden.push('modem');
    }
  }
  const rawBattery = def.battery ?? '2xAA';
  const battery = parseBattery(rawBattery, profile.volts);
  if (typeof battery === 'string') return check.fail(`${path}.battery`, battery, rawBattery);
  if (!radio || !session) return undefined;
  return {
    profile,
    battery,
    batteryLabel:
      typeof rawBattery === 'string'
        ? rawBattery
        : `${formatFigure(battery.mAh)}mAh at ${formatFigure(battery.volts)}V`,
    session,
    keepaliveS: keepaliveMs === undefined ? undefined : keepaliveMs / 1000,
    overridden,
    coverage,
    rai,
  };
}

function resolveCoverage(check: Checker, path: string, raw: unknown, base: RadioProfile): CoverageClass | null {
  const classes = Object.keys(base.coverage) as CoverageClass[];
  if (raw === undefined) return base.defaultCoverage;
  if (classes.length === 0)
    return (
      check.fail(`${path}.coverage`, `nothing: the ${base.name} radio has no coverage classes (NB-IoT has)`, raw) ??
      null
    );
  return check.oneOf(`${path}.coverage`, raw, classes) ?? null;
}

function resolveLink(
  check: Checker,
  path: string,
  raw: unknown,
  profile: RadioProfile,
  overridden: string[],
): RadioProfile {
  if (raw === undefined) return profile;
  const at = `${path}.link`;
  const o = check.object(at, raw);
  if (!o) return profile;
  check.known(at, o, ['rtt', 'upBps', 'downBps', 'loss']);
  const link = profile.link;
  if (o.rtt !== undefined) {
    if (check.isObject(o.rtt)) {
      check.known(`${at}.rtt`, o.rtt, ['low', 'mid', 'high']);
      const [low, mid, high] = (['low', 'mid', 'high'] as const).map((k) =>
        check.duration(`${at}.rtt.${k}`, (o.rtt as Record<string, unknown>)[k]),
      );
      if (low !== undefined && mid !== undefined && high !== undefined) {
        if (!(low <= mid && mid <= high)) check.fail(`${at}.rtt`, 'low ≤ mid ≤ high', o.rtt);
        else link.rttMs = { low, mid, high };
      }
    } else {
      const ms = check.duration(`${at}.rtt`, o.rtt);
      if (ms !== undefined) link.rttMs = { low: ms, mid: ms, high: ms };
    }
    overridden.push('link.rtt');
  }
  for (const k of ['upBps', 'downBps'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) > 0) {
      link[k] = o[k] as number;
      overridden.push(`link.${k}`);
    } else check.fail(`${at}.${k}`, 'a positive number (bits per second)', o[k]);
  }
  if (o.loss !== undefined) {
    if (typeof o.loss === 'number' && o.loss >= 0 && o.loss < 1) {
      link.loss = o.loss;
      overridden.push('link.loss');
    } else check.fail(`${at}.loss`, 'a probability, 0 ≤ loss < 1', o.loss);
  }
  if (overridden.some((f) => f.startsWith('link.'))) link.name = `${link.name} (as given)`;
  return profile;
}
