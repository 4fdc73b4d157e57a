// The power model: a pure function of one device's activity timeline over a window, a radio
// profile and a battery. It prices radio states, not protocols:
//   E = V · [ wakes·Q_wake + Σ I_tx·t_air(tx) + Σ I_rx·t_air(rx) + I_listen·t_wait
//             + tails·I_tail·t_tail + I_floor·t_rest ]
//   t_air(packet) = t_preamble + 8·(L_packet + L_link) / bitrate
//   P_avg = E / T;  battery life = mAh · V_batt · 3.6 / P_avg  (joules / watts = seconds)
// where t_rest is the window minus every active period, and the floor is the connected-idle
// current for persistent sessions and the sleep current for sleep sessions. The activity comes
// from the run (exact packet sizes, RTTs measured), never from a per-protocol constant.
import type { RadioProfile } from './profiles.ts';

/** Packets one way: how many, and their bytes at the network layer (application + TCP/UDP/IP headers). */
export interface PacketTotals {
  packets: number;
  bytes: number;
}

/** A kind of exchange in the timeline; each is reported separately in the breakdown. */
export interface Exchange {
  tx: PacketTotals;
  rx: PacketTotals;
  /** Time waiting with the receiver on for answers: round trips × the RTT the run measured, plus timeouts. */
  listenS: number;
}

export interface Activity {
  /** The window the activity covers, in seconds (what battery life extrapolates from). */
  windowS: number;
  /** 'persistent': connected between reports (idle floor); 'sleep': deep sleep between reports. */
  session: 'persistent' | 'sleep';
  /** Times the radio woke from sleep (association, RRC setup): every report in sleep sessions. */
  wakes: number;
  /** Times the radio stayed on after a burst of traffic (the tail). */
  tails: number;
  /** Connection setup: TCP and TLS/DTLS handshakes, MQTT CONNECT/CONNACK, AMQP open, DISCONNECT. */
  handshake: Exchange;
  /** The messages themselves and their acknowledgements (PUBACK, CoAP ACK, HTTP response). */
  data: Exchange;
  /** Keepalive exchanges without other traffic (PINGREQ/PINGRESP, AMQP heartbeats). */
  keepalive: Exchange;
  /** Messages delivered in the window, for energy per message. */
  messages: number;
}

export interface Battery {
  mAh: number;
  volts: number;
}

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
  /** Energy over the window, joules, and by radio state. */
  energyJ: number;
  breakdownJ: PowerBreakdown;
  /** Charge over the window in millicoulombs (energy ÷ volts). */
  chargemC: number;
  averagePowerW: number;
  averageCurrentmA: number;
  /** Energy per message in millijoules; null without messages. */
  energyPerMessagemJ: number | null;
  batteryLifeH: number;
  batteryLifeYears: number;
  /** Seconds the radio was active (woken, on air, listening, in its tail) in the window. */
  activeS: number;
}

const HOURS_PER_YEAR = 24 * 365;

/** Airtime in seconds of `t` packets at the profile's rate, link overhead and preamble included. */
export function airtimeS(t: PacketTotals, p: RadioProfile): number {
  return (t.packets * p.preambleUs) / 1e6 + (8 * (t.bytes + t.packets * p.linkOverheadBytes)) / p.bitrateBps;
}

/** Prices one device's activity: a pure function, checkable by hand from the equations in docs/power.md. */
export function estimatePower(a: Activity, p: RadioProfile, battery: Battery): PowerEstimate {
  const mC = (mA: number, s: number): number => mA * s; // mA × s = mC
  const exchange = (e: Exchange): { charge: number; seconds: number; tx: number; rx: number; listen: number } => {
    const txS = airtimeS(e.tx, p);
    const rxS = airtimeS(e.rx, p);
    const tx = mC(p.txmA, txS);
    const rx = mC(p.rxmA, rxS);
    const listen = mC(p.listenmA, e.listenS);
    return { charge: tx + rx + listen, seconds: txS + rxS + e.listenS, tx, rx, listen };
  };
  const handshake = exchange(a.handshake);
  const data = exchange(a.data);
  const keepalive = exchange(a.keepalive);
  const wakeS = (a.wakes * p.wake.ms) / 1000;
  const tailS = (a.tails * p.tail.ms) / 1000;
  const activeS = wakeS + tailS + handshake.seconds + data.seconds + keepalive.seconds;
  const restS = Math.max(0, a.windowS - activeS);
  const charge: PowerBreakdown = {
    wake: a.wakes * p.wake.mC,
    handshake: handshake.charge,
    tx: data.tx,
    rx: data.rx,
    listen: data.listen,
    keepalive: keepalive.charge,
    tail: mC(p.tail.mA, tailS),
    idle: a.session === 'persistent' ? mC(p.idlemA, restS) : 0,
    sleep: a.session === 'sleep' ? mC(p.sleepmA, restS) : 0,
  };
  const chargemC = Object.values(charge).reduce((s, x) => s + x, 0);
  const toJ = (q: number): number => (q / 1000) * p.volts;
  const breakdownJ = mapBreakdown(charge, toJ);
  const energyJ = toJ(chargemC);
  const averagePowerW = a.windowS > 0 ? energyJ / a.windowS : 0;
  const batteryJ = battery.mAh * battery.volts * 3.6;
  const batteryLifeH = averagePowerW > 0 ? batteryJ / averagePowerW / 3600 : Number.POSITIVE_INFINITY;
  return {
    energyJ,
    breakdownJ,
    chargemC,
    averagePowerW,
    averageCurrentmA: a.windowS > 0 ? chargemC / a.windowS : 0,
    energyPerMessagemJ: a.messages > 0 ? (energyJ * 1000) / a.messages : null,
    batteryLifeH,
    batteryLifeYears: batteryLifeH / HOURS_PER_YEAR,
    activeS,
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

/** An empty exchange, to build activities from. */
export function noExchange(): Exchange {
  return { tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, listenS: 0 };
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
