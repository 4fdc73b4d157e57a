// From what a fleet really did in the run to the power model's Activity: per device and per
// report, priced over one report interval and extrapolated to battery life. Everything here is
// a pure function of the measured figures (packets and bytes by kind, connections, the mean
// ack and connect times) and the fleet's declared radio, battery and session.
//
// The steps (docs/power.md gives them with an example):
//   1. One report = one message. Per report, the data exchange is the group's data packets and
//      bytes divided by its messages; TCP/IP (40 B) or UDP/IP (28 B) is added to each packet,
//      TLS adds 29 B per record, and TCP acknowledges the last segment of each exchange with a
//      pure ACK (the device's when the protocol answers, the peer's otherwise).
//   2. Handshakes per report: in sleep sessions, the connections opened per message (one per
//      report); in persistent sessions only reconnections beyond the first connection count
//      (the first is a one-off, reported as `setupmJ`). Each costs its measured application
//      bytes, TCP's SYN/SYN-ACK/ACK and FIN/FIN-ACK/ACK segments, and the measured connect time
//      with the receiver on. A DTLS session (CoAP over DTLS) is priced the same way from its
//      measured handshake datagrams plus UDP/IP headers; its data records were measured whole.
//   3. Keepalives per report (persistent, TCP): ceil(T / k) − 1 exchanges when the report
//      interval T is longer than the keepalive k (traffic resets the keepalive timer).
//   4. Listening: the measured mean publish → ack time for each acknowledged message; the
//      round trip of a keepalive is the mean ack time, or the connect time when nothing is acked.

import { TCP_IP_BYTES, UDP_IP_BYTES } from './accounting.ts';
import {
  type Activity,
  type Battery,
  type Exchange,
  estimatePower,
  mapBreakdown,
  noExchange,
  type PacketTotals,
} from './model.ts';
import type { RadioProfile } from './profiles.ts';
import type { PowerReport } from './report.ts';
import type { WireTotalsByKind } from './wire.ts';

/** TLS 1.2 AES-GCM record overhead: 5 B header, 8 B explicit nonce, 16 B tag. */
export const TLS_RECORD_BYTES = 29;
/**
 * A TLS 1.2 full handshake with one certificate (assumption, from the design notes' 2–5 kB
 * range), as TLS records (record headers included, TCP/IP headers added per packet): the
 * client sends ClientHello, key exchange, ChangeCipherSpec and Finished; the server its hello,
 * certificate, key exchange and Finished. A DTLS handshake is not assumed: drivers count its
 * datagrams as sent and received (and their data records with DTLS headers and tags included).
 */
export const TLS_HANDSHAKE = { tx: { packets: 3, bytes: 400 }, rx: { packets: 3, bytes: 2500 } } as const;
/** TCP open (SYN, SYN-ACK, ACK) and close (FIN, FIN-ACK, ACK), in segments each way. */
export const TCP_OPEN_CLOSE = { tx: 4, rx: 2 } as const;

export interface MeasuredTraffic {
  transport: 'tcp' | 'udp';
  tls: boolean;
  /** Devices of the group that ran. */
  devices: number;
  wire: WireTotalsByKind;
  /** Messages the group sent and received (one report each). */
  messages: number;
  /** Messages acknowledged (PUBACK/PUBCOMP, CoAP ACK, HTTP response, confirm). */
  acked: number;
  /** Mean send → ack service time, seconds (undefined without acks). */
  ackMeanS: number | undefined;
  /** Mean connect time (TCP, TLS, the protocol's open), seconds. */
  connectMeanS: number | undefined;
  /** Seconds between one device's reports. */
  reportIntervalS: number;
  /** The keepalive the devices use between reports, and its application bytes each way. */
  keepalive: { intervalS: number; txBytes: number; rxBytes: number } | undefined;
}

export interface PowerSettings {
  profile: RadioProfile;
  battery: Battery;
  batteryLabel: string;
  session: 'persistent' | 'sleep';
  overridden: string[];
}

export type { PowerReport } from './report.ts';

const zero = (): PacketTotals => ({ packets: 0, bytes: 0 });
const scaled = (t: PacketTotals, f: number): PacketTotals => ({ packets: t.packets * f, bytes: t.bytes * f });
const plus = (a: PacketTotals, b: PacketTotals): PacketTotals => ({
  packets: a.packets + b.packets,
  bytes: a.bytes + b.bytes,
});

/** Network-layer totals of `app` packets: IP and transport headers per packet, TLS records on TCP. */
function onWire(app: PacketTotals, m: MeasuredTraffic): PacketTotals {
  const perPacket = m.transport === 'udp' ? UDP_IP_BYTES : TCP_IP_BYTES + (m.tls ? TLS_RECORD_BYTES : 0);
  return { packets: app.packets, bytes: app.bytes + app.packets * perPacket };
}

/** TCP's pure ACK closing an exchange: the device sends it when the peer answered, else receives it. */
function withAcks(e: Exchange, m: MeasuredTraffic): Exchange {
  if (m.transport !== 'tcp' || e.tx.packets + e.rx.packets === 0) return e;
  const deviceAcks = Math.min(1, e.rx.packets);
  const ack = (n: number): PacketTotals => ({ packets: n, bytes: n * TCP_IP_BYTES });
  return { tx: plus(e.tx, ack(deviceAcks)), rx: plus(e.rx, ack(1 - deviceAcks)), listenS: e.listenS };
}

/**
 * One connection's setup and teardown: measured application bytes, TCP segments, TLS, the
 * measured connect time. Over UDP a connection is a DTLS session: its handshake datagrams were
 * measured whole, so only UDP/IP headers are added.
 */
function connectionCost(m: MeasuredTraffic): Exchange {
  const c = Math.max(1, m.wire.connections);
  const tx = onWire(scaled(m.wire.tx.handshake, 1 / c), m);
  const rx = onWire(scaled(m.wire.rx.handshake, 1 / c), m);
  if (m.transport === 'udp') return { tx, rx, listenS: m.connectMeanS ?? 0 };
  const seg = (n: number): PacketTotals => ({ packets: n, bytes: n * TCP_IP_BYTES });
  const records = (t: PacketTotals): PacketTotals => ({
    packets: t.packets,
    bytes: t.bytes + t.packets * TCP_IP_BYTES,
  });
  const tls = m.tls ? { tx: records(TLS_HANDSHAKE.tx), rx: records(TLS_HANDSHAKE.rx) } : { tx: zero(), rx: zero() };
  return {
    tx: plus(plus(tx, seg(TCP_OPEN_CLOSE.tx)), tls.tx),
    rx: plus(plus(rx, seg(TCP_OPEN_CLOSE.rx)), tls.rx),
    listenS: m.connectMeanS ?? 0,
  };
}

function times(e: Exchange, n: number): Exchange {
  return { tx: scaled(e.tx, n), rx: scaled(e.rx, n), listenS: e.listenS * n };
}

/** The per-report Activity of one device, from the measured traffic. */
export function activityOf(
  m: MeasuredTraffic,
  session: 'persistent' | 'sleep',
): {
  activity: Activity;
  rttS: number;
  rttFrom: 'ack' | 'connect' | 'none';
  keepalives: number;
  handshakes: number;
  setup: Exchange | undefined;
} {
  const n = Math.max(1, m.messages);
  const acked = Math.min(m.acked, n);
  const data = withAcks(
    {
      tx: onWire(scaled(m.wire.tx.data, 1 / n), m),
      rx: onWire(scaled(m.wire.rx.data, 1 / n), m),
      listenS: ((m.ackMeanS ?? 0) * acked) / n,
    },
    m,
  );
  const rttFrom: 'ack' | 'connect' | 'none' =
    m.ackMeanS !== undefined && acked > 0 ? 'ack' : m.connectMeanS !== undefined ? 'connect' : 'none';
  const rttS = rttFrom === 'ack' ? (m.ackMeanS as number) : rttFrom === 'connect' ? (m.connectMeanS as number) : 0;
  const tcp = m.transport === 'tcp';
  // TCP connections, and DTLS sessions over UDP (plain UDP has no setup to price).
  const connects = tcp || m.tls;
  const connection = connects ? connectionCost(m) : noExchange();
  // Sleep: every connection is part of a report; persistent: only reconnections are. A sleeping
  // device keeps its DTLS session between reports (sleep cycles reconnect TCP only), so for it
  // the first handshake is a one-off, as in a persistent session.
  const keepsSession = session === 'persistent' || !tcp;
  const handshakes = !connects
    ? 0
    : keepsSession
      ? Math.max(0, m.wire.connections - m.devices) / n
      : m.wire.connections / n;
  let keepalives = 0;
  let keepalive = noExchange();
  const k = m.keepalive;
  if (tcp && session === 'persistent' && k && k.intervalS > 0 && m.reportIntervalS > k.intervalS) {
    keepalives = Math.ceil(m.reportIntervalS / k.intervalS) - 1;
    // Measured sizes when the run saw keepalives, else the protocol's.
    const seen = m.wire.tx.keepalive.packets > 0 && m.wire.rx.keepalive.packets > 0;
    const one = withAcks(
      {
        tx: onWire(
          seen ? scaled(m.wire.tx.keepalive, 1 / m.wire.tx.keepalive.packets) : { packets: 1, bytes: k.txBytes },
          m,
        ),
        rx: onWire(
          seen ? scaled(m.wire.rx.keepalive, 1 / m.wire.rx.keepalive.packets) : { packets: 1, bytes: k.rxBytes },
          m,
        ),
        listenS: rttS,
      },
      m,
    );
    keepalive = times(one, keepalives);
  }
  const activity: Activity = {
    windowS: m.reportIntervalS,
    session,
    wakes: session === 'sleep' ? 1 : 0,
    // Every burst of traffic (the report, each keepalive) ends with the radio's tail.
    tails: 1 + keepalives,
    handshake: times(connection, handshakes),
    data,
    keepalive,
    messages: 1,
  };
  return {
    activity,
    rttS,
    rttFrom,
    keepalives,
    handshakes,
    setup: connects && keepsSession ? connection : undefined,
  };
}

/** Prices a fleet's measured traffic: energy per message, average power and battery life per device. */
export function projectPower(m: MeasuredTraffic, s: PowerSettings): PowerReport {
  const { activity, rttS, keepalives, handshakes, setup } = activityOf(m, s.session);
  const e = estimatePower(activity, s.profile, s.battery);
  const mJ = (j: number): number => j * 1000;
  const setupmJ = setup
    ? mJ(
        estimatePower(
          {
            ...activity,
            windowS: 0,
            wakes: 0,
            tails: 0,
            data: noExchange(),
            keepalive: noExchange(),
            handshake: setup,
            messages: 0,
          },
          s.profile,
          s.battery,
        ).energyJ,
      )
    : null;
  const a = activity;
  return {
    radio: s.profile.name,
    source: s.profile.source,
    overridden: s.overridden,
    battery: { label: s.batteryLabel, mAh: s.battery.mAh, volts: s.battery.volts },
    session: s.session,
    keepaliveS: m.keepalive?.intervalS ?? null,
    link: {
      name: 'loopback (placeholder until the link model lands)',
      source: 'this run',
      rttMs: { low: rttS * 1000, mid: rttS * 1000, high: rttS * 1000 },
      upBps: s.profile.bitrateBps,
      downBps: s.profile.bitrateBps,
      loss: 0,
      coverage: null,
    },
    measured: {
      ackMeanMs: m.ackMeanS === undefined ? null : m.ackMeanS * 1000,
      connectMeanMs: m.connectMeanS === undefined ? null : m.connectMeanS * 1000,
    },
    keepalivemJ: mJ(e.breakdownJ.keepalive),
    floormJ: mJ(e.breakdownJ.idle + e.breakdownJ.sleep),
    band: { energyPerMessagemJ: [mJ(e.energyJ), mJ(e.energyJ)], batteryLifeDays: [e.batteryLifeH / 24, e.batteryLifeH / 24] },
    sensitivity: [],
    perReport: {
      intervalS: m.reportIntervalS,
      tx: plus(plus(a.data.tx, a.handshake.tx), a.keepalive.tx),
      rx: plus(plus(a.data.rx, a.handshake.rx), a.keepalive.rx),
      handshakes,
      keepalives,
      roundTrips: 0,
      listenS: a.data.listenS + a.handshake.listenS + a.keepalive.listenS,
      radioOnS: e.activeS,
    },
    energyPerMessagemJ: mJ(e.energyJ),
    breakdownmJ: mapBreakdown(e.breakdownJ, mJ),
    averagePowermW: e.averagePowerW * 1000,
    averageCurrentuA: e.averageCurrentmA * 1000,
    batteryLifeDays: e.batteryLifeH / 24,
    batteryLifeYears: e.batteryLifeYears,
    setupmJ,
  };
}
