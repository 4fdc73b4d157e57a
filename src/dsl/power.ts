// The `power` option of a fleet: which radio the devices have (a profile, any number of it
// overridden), what battery, and whether they keep their connection between reports or sleep.

import type { Checker } from '../base/check.ts';
import { formatFigure } from '../base/format.ts';
import type { Duration } from '../base/units.ts';
import { type Battery, PROFILES, type ProfileName, parseBattery, type RadioProfile } from '../power/index.ts';

type Numbers =
  | 'volts'
  | 'txmA'
  | 'rxmA'
  | 'listenmA'
  | 'idlemA'
  | 'sleepmA'
  | 'bitrateBps'
  | 'preambleUs'
  | 'linkOverheadBytes';

export interface PowerSpec extends Partial<Pick<RadioProfile, Numbers>> {
  /** The radio profile the figures start from. */
  radio: ProfileName;
  /** '2400mAh', '2xAA' (default) or { mAh, volts }. */
  battery?: string | { mAh: number; volts?: number };
  /** 'persistent' (default): connected between reports; 'sleep': wake, connect, send, disconnect, sleep for every report. */
  session?: 'persistent' | 'sleep';
  /** The keepalive interval the devices use when deployed (default: the protocol's own, e.g. MQTT keepalive). */
  keepalive?: Duration;
  /** Overrides of the profile's wake (association, RRC setup) and tail (radio on after traffic). */
  wake?: { ms?: number; mC?: number };
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
}

const NUMBERS: readonly Numbers[] = [
  'volts',
  'txmA',
  'rxmA',
  'listenmA',
  'idlemA',
  'sleepmA',
  'bitrateBps',
  'preambleUs',
  'linkOverheadBytes',
];
const FIELDS = ['radio', 'battery', 'session', 'keepalive', 'wake', 'tail', ...NUMBERS] as const;
/** Figures that must be above zero (a rate or a voltage of 0 would divide by zero). */
const POSITIVE: readonly string[] = ['volts', 'bitrateBps'];

export function resolvePower(check: Checker, path: string, raw: unknown): ResolvedPower | undefined {
  const def = check.object(path, raw);
  if (!def) return undefined;
  check.known(path, def, FIELDS);
  const radio = check.oneOf(`${path}.radio`, def.radio, Object.keys(PROFILES) as ProfileName[]);
  const session = check.oneOf(`${path}.session`, def.session, ['persistent', 'sleep'] as const, 'persistent');
  const keepaliveMs = def.keepalive === undefined ? undefined : check.duration(`${path}.keepalive`, def.keepalive);
  // An unknown radio still lets every other field be checked (against any profile's shape).
  const base = PROFILES[radio ?? 'esp32-wifi'];
  const profile: RadioProfile = { ...base, wake: { ...base.wake }, tail: { ...base.tail } };
  const overridden: string[] = [];
  const figure = (at: string, value: unknown): number | undefined => {
    const positive = POSITIVE.includes(at.slice(at.lastIndexOf('.') + 1));
    if (typeof value === 'number' && Number.isFinite(value) && (positive ? value > 0 : value >= 0)) return value;
    return check.fail(at, positive ? 'a positive number' : 'a number ≥ 0', value);
  };
  for (const k of NUMBERS) {
    if (def[k] === undefined) continue;
    const v = figure(`${path}.${k}`, def[k]);
    if (v !== undefined) {
      profile[k] = v;
      overridden.push(k);
    }
  }
  for (const [part, keys] of [
    ['wake', ['ms', 'mC']],
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
  };
}
