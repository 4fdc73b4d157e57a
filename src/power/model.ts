// The power model: a pure function of what one device's protocol did in one report interval
// (its bursts of packets, bytes and round trips), a radio profile, a link and a battery. Time is
// priced from the link, never from the machine that ran the test, so the same traffic gives the
// same energy on a quiet and on a busy machine.
//
// The radio runs one state machine on one timeline per report interval T (docs/power.md):
//   SLEEP/PSM ──wake──▶ ACTIVE (tx, rx, waiting) ──▶ TAIL ──▶ SLEEP          (sleep sessions)
//   IDLE (DRX, eDRX, DTIM) ──promote──▶ ACTIVE ──▶ TAIL ──▶ IDLE            (persistent sessions)
// Events (the report at t = 0, keepalives every k s) are placed on the timeline. An event that
// starts while the previous one's tail is still running finds the radio connected: it pays no
// promotion, and that tail is cut where the event starts (never counted twice). The floor
// (sleep or connected idle) fills the rest of T.
//   t_air(packets, bytes) = packets · (t_preamble + t_ramp) + 8 · (bytes + packets · L_link) / rate
//   t_link(tx) = packets · (t_cca + t_l2ack);  t_link(rx) = packets · t_l2ack
//   t_event = t_wake|promote + t_air + t_link (both ways) + roundTrips · RTT + retransmission timeouts
//   Q_event = Q_wake|promote + (I_tx + I_cpu)·(t_air(tx) + t_link(rx)) + (I_rx + I_cpu)·(t_air(rx) + t_link(tx))
//             + I_listen·(roundTrips·RTT + timeouts)
//   Q_tail  = I_tail · min(t_tail, gap to the next event)
//   E = V · (Σ Q_event + Σ Q_tail + I_floor · (T − Σ t_event − Σ t_tail)) / 1000   (J)
//   P_avg = E / T;   battery life = mAh · V_battery · 3.6 / P_avg   (s)
import type { LinkModel, RadioProfile } from './profiles.ts';

/** Packets one way: how many, and their bytes at the network layer (application + TCP/UDP/IP headers). */
export interface PacketTotals {
  packets: number;
  bytes: number;
}

/** One burst of an event: what goes out and comes in, and the round trips the device waits for. */
export interface Exchange {
  tx: PacketTotals;
  rx: PacketTotals;
  roundTrips: number;
  /** Time waiting for retransmission timers (the protocol's, under the link's loss), seconds. */
  timeoutS: number;
}

/** What one device does in one report interval. */
export interface Timeline {
  intervalS: number;
  session: 'persistent' | 'sleep';
  /** The report (null: a device that only keeps its connection alive). */
  report: { handshake: Exchange; data: Exchange } | null;
  /** Keepalive exchanges without other traffic, `everyS` apart after the report. */
  keepalive: { count: number; everyS: number; exchange: Exchange };
  /** Release Assistance: the device tells the network it expects nothing more (short tail). */
  rai: boolean;
}

export interface Battery {
  mAh: number;
  volts: number;
}

/** Energy (or charge) by radio state over one report interval. Tails go with their event. */
export interface PowerBreakdown {
  wake: number;
  handshake: number;
  tx: number;
  rx: number;
  listen: number;
  keepalive: number;
  tail: number;
  idle: number;
  sleep: number;
}

export interface PowerEstimate {
  /** Energy over the interval, joules, and by radio state. */
  energyJ: number;
  breakdownJ: PowerBreakdown;
  /** The report event (wake or promotion, handshake, airtime, waits, its tail), joules. */
  reportJ: number;
  /** The keepalive events with their promotions and tails, joules. */
  keepaliveJ: number;
  /** The floor between events, joules. */
  floorJ: number;
  chargemC: number;
  averagePowerW: number;
  averageCurrentmA: number;
  batteryLifeH: number;
  batteryLifeYears: number;
  /** Seconds out of the floor (events and tails) in the interval. */
  radioOnS: number;
  /** Seconds waiting for answers (round trips and timeouts) in the interval. */
  listenS: number;
}

const HOURS_PER_YEAR = 24 * 365;

/** Airtime in seconds of `t` packets at `rateBps`, the link's preamble and per-packet overhead included. */
export function airtimeS(t: PacketTotals, link: LinkModel, rateBps: number): number {
  return (t.packets * link.preambleUs) / 1e6 + (8 * (t.bytes + t.packets * link.linkOverheadBytes)) / rateBps;
}

interface Event {
  at: number;
  /** 'report' or 'keepalive': where its charge is filed. */
  kind: 'report' | 'keepalive';
  bursts: Exchange[];
  /** Sleep session's report: a wake from sleep, whatever the timeline says. */
  fromSleep: boolean;
}

interface Placed {
  startS: number;
  /** Charge of its wake or promotion (mC), 0 when the radio was still connected. */
  setupmC: number;
  durationS: number;
}

/** Prices one interval of a device's timeline: a pure function, checkable by hand (docs/power.md). */
export function estimatePower(
  t: Timeline,
  p: RadioProfile,
  battery: Battery,
  rttS = p.link.rttMs.mid / 1000,
): PowerEstimate {
  const T = t.intervalS;
  const events: Event[] = [];
  if (t.report)
    events.push({
      at: 0,
      kind: 'report',
      bursts: [t.report.handshake, t.report.data],
      fromSleep: t.session === 'sleep',
    });
  const k = t.keepalive;
  for (let i = 0; i < k.count; i++) {
    const at = t.report ? (i + 1) * k.everyS : i * k.everyS;
    events.push({ at: Math.min(at, T), kind: 'keepalive', bursts: [k.exchange], fromSleep: false });
  }
  const tailMs = t.rai && p.raiTailMs !== null ? Math.min(p.raiTailMs, p.tail.ms) : p.tail.ms;
  const burst = (
    e: Exchange,
  ): { charge: number; tx: number; rx: number; listen: number; s: number; listenS: number } => {
    const l = p.link;
    // Sending: ramp-up and airtime at the transmit current, listen-before-talk and the link
    // layer's ACK at the receive current; receiving: the reverse. The MCU runs throughout.
    const txAirS = airtimeS(e.tx, l, l.upBps) + (e.tx.packets * l.rampUs) / 1e6;
    const rxAirS = airtimeS(e.rx, l, l.downBps) + (e.rx.packets * l.rampUs) / 1e6;
    const txLinkS = (e.tx.packets * (l.ccaUs + l.l2AckUs)) / 1e6;
    const rxLinkS = (e.rx.packets * l.l2AckUs) / 1e6;
    const listenS = e.roundTrips * rttS + e.timeoutS;
    const tx = (p.txmA + p.cpumA) * txAirS + (p.rxmA + p.cpumA) * txLinkS;
    const rx = (p.rxmA + p.cpumA) * rxAirS + (p.txmA + p.cpumA) * rxLinkS;
    const listen = p.listenmA * listenS;
    return { charge: tx + rx + listen, tx, rx, listen, s: txAirS + rxAirS + txLinkS + rxLinkS + listenS, listenS };
  };
  // Each event's own bursts, priced once; its duration before any wake or promotion.
  const own = events.map((e) => e.bursts.map(burst));
  const sum = (i: number, f: (b: ReturnType<typeof burst>) => number): number =>
    (own[i] as ReturnType<typeof burst>[]).reduce((s, b) => s + f(b), 0);
  const activeS = own.map((_b, i) => sum(i, (b) => b.s));
  const n = events.length;
  // Whether the radio is idle when event i starts: the previous event's tail ran out (cyclic: the
  // last event of one interval precedes the first of the next). An event never starts before the
  // previous one has ended: a device does not begin an exchange while one is running.
  let placed: Placed[] = [];
  let ends: number[] = events.map((e, i) => e.at + (activeS[i] as number));
  // Two passes settle promotions: an event's promotion lengthens it and can change the next gap.
  for (let pass = 0; pass < 2; pass++) {
    placed = events.map((e, i) => {
      const prevEnd = i > 0 ? (ends[i - 1] as number) : (ends[n - 1] as number) - T;
      const startS = i > 0 ? Math.max(e.at, prevEnd) : e.at;
      const idleBefore = startS - prevEnd >= tailMs / 1000;
      const setup = e.fromSleep ? p.wake : idleBefore ? p.promote : { ms: 0, mC: 0 };
      return { startS, setupmC: setup.mC, durationS: setup.ms / 1000 + (activeS[i] as number) };
    });
    ends = placed.map((q) => q.startS + q.durationS);
  }
  const gapAfter = (i: number): number => {
    const end = ends[i] as number;
    const next = i + 1 < n ? (placed[i + 1] as Placed).startS : T + (placed[0]?.startS ?? 0);
    return Math.max(0, next - end);
  };
  const tails = placed.map((_q, i) => Math.min(tailMs / 1000, gapAfter(i)));
  const tailCharge = (i: number): number => p.tail.mA * (tails[i] as number);
  const onS = placed.reduce((s, q, i) => s + q.durationS + (tails[i] as number), 0);
  const restS = Math.max(0, T - onS);
  const floormA = t.session === 'sleep' ? p.sleepmA : p.idlemA;
  const charge: PowerBreakdown = {
    wake: 0,
    handshake: 0,
    tx: 0,
    rx: 0,
    listen: 0,
    keepalive: 0,
    tail: 0,
    idle: t.session === 'persistent' ? floormA * restS : 0,
    sleep: t.session === 'sleep' ? floormA * restS : 0,
  };
  placed.forEach((q, i) => {
    const e = events[i] as Event;
    if (e.kind === 'keepalive') {
      charge.keepalive += q.setupmC + sum(i, (b) => b.charge) + tailCharge(i);
      return;
    }
    const [handshake, data] = own[i] as ReturnType<typeof burst>[];
    charge.wake += q.setupmC;
    charge.handshake += handshake?.charge ?? 0;
    charge.tx += data?.tx ?? 0;
    charge.rx += data?.rx ?? 0;
    charge.listen += data?.listen ?? 0;
    charge.tail += tailCharge(i);
  });
  const toJ = (mC: number): number => (mC / 1000) * p.volts;
  const breakdownJ = mapBreakdown(charge, toJ);
  const chargemC = Object.values(charge).reduce((s, x) => s + x, 0);
  const energyJ = toJ(chargemC);
  const b = breakdownJ;
  const averagePowerW = T > 0 ? energyJ / T : 0;
  const batteryJ = battery.mAh * battery.volts * 3.6;
  const batteryLifeH = averagePowerW > 0 ? batteryJ / averagePowerW / 3600 : Number.POSITIVE_INFINITY;
  return {
    energyJ,
    breakdownJ,
    reportJ: b.wake + b.handshake + b.tx + b.rx + b.listen + b.tail,
    keepaliveJ: b.keepalive,
    floorJ: b.idle + b.sleep,
    chargemC,
    averagePowerW,
    averageCurrentmA: T > 0 ? chargemC / T : 0,
    batteryLifeH,
    batteryLifeYears: batteryLifeH / HOURS_PER_YEAR,
    radioOnS: Math.min(T, onS),
    listenS: own.reduce((s, _b, i) => s + sum(i, (b) => b.listenS), 0),
  };
}

/**
 * Expected transmissions of a CoAP CON message under independent loss p of each transmission:
 * the first send plus up to MAX_RETRANSMIT retransmissions (RFC 7252 §4.2, §4.8), stopping at
 * the first that gets through: Σ_{k=0..n} p^k = (1 − p^(n+1)) / (1 − p).
 */
export function coapConTransmissions(p: number, maxRetransmit = 4): number {
  if (p <= 0) return 1;
  if (p >= 1) return maxRetransmit + 1;
  return (1 - p ** (maxRetransmit + 1)) / (1 - p);
}

/** An empty exchange, to build timelines from. */
export function noExchange(): Exchange {
  return { tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, roundTrips: 0, timeoutS: 0 };
}

/** The same breakdown with every state's figure converted (charge → energy, J → mJ). */
export function mapBreakdown(b: PowerBreakdown, f: (x: number) => number): PowerBreakdown {
  return {
    wake: f(b.wake),
    handshake: f(b.handshake),
    tx: f(b.tx),
    rx: f(b.rx),
    listen: f(b.listen),
    keepalive: f(b.keepalive),
    tail: f(b.tail),
    idle: f(b.idle),
    sleep: f(b.sleep),
  };
}
