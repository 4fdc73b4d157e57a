// `fleets.<name>.power` in the result: what the power model says about one device of a fleet.
// Energies in millijoules. "Per report" is the event (one message: its wake or promotion, its
// handshakes, airtime, waits and the tail it causes); "per interval" adds the keepalives and
// the floor (sleep, PSM or connected idle) over one report interval. See docs/power.md.
import type { PacketTotals, PowerBreakdown } from './model.ts';

/** The link the time on the air and the waits are priced with (not the run's loopback). */
export interface LinkReport {
  /** The network the link stands for, e.g. 'LTE-M (Nordic nRF9160, live network)'. */
  name: string;
  source: string;
  /** Round trip seen by the device: low, typical, high (the band's ends). Milliseconds. */
  rttMs: { low: number; mid: number; high: number };
  upBps: number;
  downBps: number;
  /** Probability a packet is lost on the radio link (retransmissions priced by the protocol's rules). */
  loss: number;
  /** NB-IoT coverage class (coupling loss), when the radio has them. */
  coverage: string | null;
}

/** One row of the sensitivity table: the same fleet repriced with one input changed. */
export interface SensitivityRow {
  /** What changed, e.g. 'round trip ×2', 'interval ×10', 'payload +100 B', 'coverage extreme (164 dB)'. */
  change: string;
  energyPerMessagemJ: number;
  batteryLifeDays: number;
}

export interface PowerReport {
  radio: string;
  source: string;
  overridden: string[];
  link: LinkReport;
  battery: { label: string; mAh: number; volts: number };
  session: 'persistent' | 'sleep';
  keepaliveS: number | null;
  /** What one report puts on the air (network layer, headers included) and how long the radio is on. */
  perReport: {
    intervalS: number;
    tx: PacketTotals;
    rx: PacketTotals;
    handshakes: number;
    keepalives: number;
    /** Round trips the device waits for per report interval (handshakes, acks, keepalives). */
    roundTrips: number;
    /** Time listening for answers per report interval: the round trips at the link's typical RTT. */
    listenS: number;
    /** Time out of the floor per report interval (wake or promotion, on air, listening, tails). */
    radioOnS: number;
  };
  /** The run's own measured means, on its own path (loopback, usually): shown, never priced. */
  measured: { ackMeanMs: number | null; connectMeanMs: number | null };
  /** One report, the event: its wake or promotion, handshakes, airtime, waits and its tail. */
  energyPerMessagemJ: number;
  /** Per report interval: the keepalives, each with the promotion and tail it causes. */
  keepalivemJ: number;
  /** Per report interval: the floor (sleep, PSM, connected idle) between the events. */
  floormJ: number;
  /** Per report interval, by radio state; sums to energyPerMessage + keepalive + floor. */
  breakdownmJ: PowerBreakdown;
  averagePowermW: number;
  averageCurrentuA: number;
  batteryLifeDays: number;
  batteryLifeYears: number;
  /**
   * The uncertainty band from the link's latency spread (its low and high round trip): energy
   * per report [at low RTT, at high RTT] and battery life [at high RTT, at low RTT].
   */
  band: { energyPerMessagemJ: [number, number]; batteryLifeDays: [number, number] };
  sensitivity: SensitivityRow[];
  /** Persistent sessions and kept DTLS sessions: the one-off cost of the first connection. */
  setupmJ: number | null;
}
