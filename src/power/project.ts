// From what a fleet really did in the run to one device's timeline, priced by the power model:
// energy per report, keepalives and floor per interval, battery life with its band from the
// link's latency spread, and a sensitivity table. Everything here is a pure function of the
// counts the drivers made (packets, bytes and round trips by kind, connections, TLS and DTLS
// handshakes) and the fleet's radio, link, battery and session. The run's own (loopback)
// times are passed through as `measured`, never priced.
//
// The steps (docs/power.md gives them with an example):
//   1. One report = one message. The data exchange is the group's data packets, bytes and
//      round trips divided by its messages; TCP/IP (40 B) or UDP/IP (28 B) is added to each
//      packet, TLS adds 29 B per record, and TCP acknowledges the last segment of each exchange
//      with a pure ACK (the device's when the protocol answers, the peer's otherwise).
//   2. Handshakes per report: in sleep sessions, the connections opened per message; in
//      persistent sessions only reconnections beyond the first (the first is `setupmJ`). Each
//      costs its counted application bytes and round trips, TCP's SYN/SYN-ACK/ACK and
//      FIN/FIN-ACK/ACK (one more round trip) and the TLS handshake as counted (or, where it
//      was not counted, a TLS 1.2 full handshake: 2 round trips, 400 B out and 2,500 B in).
//   3. Keepalives per report interval (persistent, TCP): ceil(T / k) − 1 exchanges k apart
//      when T > k (traffic resets the keepalive timer), one round trip each.
//   4. Link loss p: each packet is sent 1/(1 − p) times over TCP (a retransmission waits the
//      minimum RTO of 1 s, RFC 6298 §2.4); a CoAP CON (1 − p⁵)/(1 − p) times, waiting
//      ACK_TIMEOUT × 1.25 doubling per retransmission (RFC 7252 §4.2, §4.8).
import { TCP_IP_BYTES, UDP_IP_BYTES } from './accounting.ts';
import {
  type Battery,
  coapConTransmissions,
  type Exchange,
  estimatePower,
  mapBreakdown,
  noExchange,
  type PacketTotals,
  type PowerEstimate,
  type Timeline,
} from './model.ts';
import { type CoverageClass, type RadioProfile, withCoverage } from './profiles.ts';
import type { PowerReport, SensitivityRow } from './report.ts';
import type { WireTotalsByKind } from './wire.ts';

export type { PowerReport } from './report.ts';

/** TLS 1.2 AES-GCM record overhead: 5 B header, 8 B explicit nonce, 16 B tag (RFC 5246 §6.2, RFC 5288 §3). */
export const TLS_RECORD_BYTES = 29;
/** TLS 1.3 record overhead: 5 B header, 1 B inner content type, 16 B AEAD tag (RFC 8446 §5.2). */
export const TLS13_RECORD_BYTES = 22;
/**
 * A TLS 1.2 full handshake with one certificate, where the run could not count it: 2 round
 * trips (RFC 5246 §7.3), and sizes from the draft "Comparison of CoAP Security Protocols"
 * (about 1,550 B with a server certificate; rounded up for a chain): 3 segments each way.
 */
export const TLS_HANDSHAKE = {
  tx: { packets: 3, bytes: 400 },
  rx: { packets: 3, bytes: 2500 },
  roundTrips: 2,
} as const;
/** TCP open (SYN, SYN-ACK, ACK) and close (FIN, FIN-ACK, ACK), in segments each way; 1 round trip. */
export const TCP_OPEN_CLOSE = { tx: 4, rx: 2 } as const;
/** RFC 6298 §2.4: the retransmission timeout is at least 1 s. */
const TCP_MIN_RTO_S = 1;
/** RFC 7252 §4.8: ACK_TIMEOUT 2 s × the mean of ACK_RANDOM_FACTOR's range [1, 1.5]. */
const COAP_FIRST_TIMEOUT_S = 2 * 1.25;

export interface MeasuredTraffic {
  transport: 'tcp' | 'udp';
  tls: boolean;
  devices: number;
  wire: WireTotalsByKind;
  /** Messages the group sent and received (one report each). */
  messages: number;
  /** Messages acknowledged (PUBACK/PUBCOMP, CoAP ACK, HTTP response, confirm). */
  acked: number;
  /** The run's own mean send → ack and connect times, seconds: shown, never priced. */
  ackMeanS: number | undefined;
  connectMeanS: number | undefined;
  /** Seconds between one device's reports (with no messages: the run's length). */
  reportIntervalS: number;
  /** The keepalive the devices use between reports, and its application bytes each way. */
  keepalive: { intervalS: number; txBytes: number; rxBytes: number } | undefined;
}

export interface PowerSettings {
  /** The profile with the fleet's overrides, coverage class and eDRX floor applied. */
  profile: RadioProfile;
  battery: Battery;
  batteryLabel: string;
  session: 'persistent' | 'sleep';
  overridden: string[];
  coverage: CoverageClass | null;
  rai: boolean;
}

const plus = (a: PacketTotals, b: PacketTotals): PacketTotals => ({
  packets: a.packets + b.packets,
  bytes: a.bytes + b.bytes,
});
const scaled = (t: PacketTotals, f: number): PacketTotals => ({ packets: t.packets * f, bytes: t.bytes * f });
const segments = (n: number): PacketTotals => ({ packets: n, bytes: n * TCP_IP_BYTES });

/** A record's overhead, weighted by how many of the counted handshakes negotiated TLS 1.3 (else 1.2's). */
function tlsRecordBytes(m: MeasuredTraffic): number {
  const sec = m.wire.secure;
  const counted = sec ? sec.full + sec.resumed : 0;
  if (!sec || counted === 0) return TLS_RECORD_BYTES;
  const share = Math.min(1, (sec.tls13 ?? 0) / counted);
  return TLS_RECORD_BYTES - share * (TLS_RECORD_BYTES - TLS13_RECORD_BYTES);
}

/** Network-layer totals of `app` packets: IP and transport headers per packet, TLS records on TCP. */
function onWire(app: PacketTotals, m: MeasuredTraffic): PacketTotals {
  const perPacket = m.transport === 'udp' ? UDP_IP_BYTES : TCP_IP_BYTES + (m.tls ? tlsRecordBytes(m) : 0);
  return { packets: app.packets, bytes: app.bytes + app.packets * perPacket };
}

/** TCP's pure ACK closing an exchange: the device sends it when the peer answered, else receives it. */
function withAcks(e: Exchange, m: MeasuredTraffic): Exchange {
  if (m.transport !== 'tcp' || e.tx.packets + e.rx.packets === 0) return e;
  const mine = Math.min(1, e.rx.packets);
  return { ...e, tx: plus(e.tx, segments(mine)), rx: plus(e.rx, segments(1 - mine)) };
}

/** Results written before round trips were counted: one per acknowledged message, one per connection. */
function waitsOf(m: MeasuredTraffic): WireTotalsByKind['waits'] {
  const w = m.wire.waits;
  if (w && w.handshake + w.data + w.keepalive > 0) return w;
  return { handshake: m.wire.connections, data: Math.min(m.acked, m.messages), keepalive: m.wire.rx.keepalive.packets };
}

/** One connection's setup and teardown: counted bytes and round trips, TCP's segments, TLS or DTLS. */
function connectionCost(m: MeasuredTraffic): Exchange {
  const c = Math.max(1, m.wire.connections);
  const sec = m.wire.secure;
  const secureCounted = sec !== undefined && sec.full + sec.resumed > 0;
  const appWaits = waitsOf(m).handshake / c;
  const tx = onWire(scaled(m.wire.tx.handshake, 1 / c), m);
  const rx = onWire(scaled(m.wire.rx.handshake, 1 / c), m);
  if (m.transport === 'udp') {
    // A DTLS session: its handshake flights are in `secure`, the closing alert in `handshake`.
    const sec1 = {
      tx: scaled(sec?.tx ?? { packets: 0, bytes: 0 }, 1 / c),
      rx: scaled(sec?.rx ?? { packets: 0, bytes: 0 }, 1 / c),
    };
    return {
      tx: plus(tx, onWire(sec1.tx, m)),
      rx: plus(rx, onWire(sec1.rx, m)),
      roundTrips: appWaits + (secureCounted ? sec.waits / c : 0),
      timeoutS: 0,
    };
  }
  const records = (t: PacketTotals): PacketTotals => ({
    packets: t.packets,
    bytes: t.bytes + t.packets * TCP_IP_BYTES,
  });
  const tls = !m.tls
    ? { tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, roundTrips: 0 }
    : secureCounted
      ? { tx: records(scaled(sec.tx, 1 / c)), rx: records(scaled(sec.rx, 1 / c)), roundTrips: sec.waits / c }
      : { tx: records(TLS_HANDSHAKE.tx), rx: records(TLS_HANDSHAKE.rx), roundTrips: TLS_HANDSHAKE.roundTrips };
  return {
    tx: plus(plus(tx, segments(TCP_OPEN_CLOSE.tx)), tls.tx),
    rx: plus(plus(rx, segments(TCP_OPEN_CLOSE.rx)), tls.rx),
    roundTrips: 1 + appWaits + tls.roundTrips,
    timeoutS: 0,
  };
}

function times(e: Exchange, n: number): Exchange {
  return { tx: scaled(e.tx, n), rx: scaled(e.rx, n), roundTrips: e.roundTrips * n, timeoutS: e.timeoutS * n };
}

/** The link's loss on an exchange: repeated packets and the retransmission timers waited for. */
function lossy(e: Exchange, m: MeasuredTraffic, p: number): Exchange {
  if (p <= 0 || e.tx.packets + e.rx.packets === 0) return e;
  if (m.transport === 'tcp') {
    const f = 1 / (1 - Math.min(p, 0.99));
    return {
      ...e,
      tx: scaled(e.tx, f),
      rx: scaled(e.rx, f),
      timeoutS: e.timeoutS + e.tx.packets * (f - 1) * TCP_MIN_RTO_S,
    };
  }
  if (e.roundTrips === 0) return e; // unacknowledged datagrams are not sent again
  const f = coapConTransmissions(p);
  let timeout = 0;
  for (let k = 1; k <= 4; k++) timeout += p ** k * COAP_FIRST_TIMEOUT_S * 2 ** (k - 1);
  return { ...e, tx: scaled(e.tx, f), rx: e.rx, timeoutS: e.timeoutS + e.roundTrips * timeout };
}

export interface Counted {
  timeline: Timeline;
  handshakes: number;
  /** The first connection of a kept session: priced once, as `setupmJ`. */
  setup: Exchange | undefined;
}

/** One device's timeline over one report interval, from the counted traffic. */
export function timelineOf(m: MeasuredTraffic, session: 'persistent' | 'sleep', rai: boolean, loss = 0): Counted {
  const n = Math.max(1, m.messages);
  const waits = waitsOf(m);
  const data = lossy(
    withAcks(
      {
        tx: onWire(scaled(m.wire.tx.data, 1 / n), m),
        rx: onWire(scaled(m.wire.rx.data, 1 / n), m),
        roundTrips: waits.data / n,
        timeoutS: 0,
      },
      m,
    ),
    m,
    loss,
  );
  const tcp = m.transport === 'tcp';
  // TCP connections, and DTLS sessions over UDP (plain UDP has no setup to price).
  const connects = tcp || m.tls;
  const connection = connects ? lossy(connectionCost(m), m, loss) : noExchange();
  // Sleep: every connection is part of a report; persistent: only reconnections are. A sleeping
  // device keeps its DTLS session between reports (sleep cycles reconnect TCP only).
  const keepsSession = session === 'persistent' || !tcp;
  const handshakes = !connects
    ? 0
    : keepsSession
      ? Math.max(0, m.wire.connections - m.devices) / n
      : m.wire.connections / n;
  const k = m.keepalive;
  const idleOnly = m.messages === 0;
  const T = idleOnly && k ? k.intervalS : m.reportIntervalS;
  let count = 0;
  let keepalive = noExchange();
  if (tcp && session === 'persistent' && k && k.intervalS > 0 && (idleOnly || T > k.intervalS)) {
    count = idleOnly ? 1 : Math.ceil(T / k.intervalS) - 1;
    // Counted sizes when the run saw keepalives, else the protocol's.
    const seen = m.wire.tx.keepalive.packets > 0 && m.wire.rx.keepalive.packets > 0;
    keepalive = lossy(
      withAcks(
        {
          tx: onWire(
            seen ? scaled(m.wire.tx.keepalive, 1 / m.wire.tx.keepalive.packets) : { packets: 1, bytes: k.txBytes },
            m,
          ),
          rx: onWire(
            seen ? scaled(m.wire.rx.keepalive, 1 / m.wire.rx.keepalive.packets) : { packets: 1, bytes: k.rxBytes },
            m,
          ),
          roundTrips: 1,
          timeoutS: 0,
        },
        m,
      ),
      m,
      loss,
    );
  }
  return {
    timeline: {
      intervalS: T,
      session,
      report: idleOnly ? null : { handshake: times(connection, handshakes), data },
      keepalive: { count, everyS: k?.intervalS ?? T, exchange: keepalive },
      rai,
    },
    handshakes,
    setup: connects && keepsSession ? connection : undefined,
  };
}

const mJ = (j: number): number => j * 1000;
const days = (e: PowerEstimate): number => e.batteryLifeH / 24;

/** Prices a fleet's counted traffic: energy per report, keepalives, floor and battery life per device. */
export function projectPower(m: MeasuredTraffic, s: PowerSettings): PowerReport {
  const p = s.profile;
  const { timeline, handshakes, setup } = timelineOf(m, s.session, s.rai, p.link.loss);
  const price = (t: Timeline, profile: RadioProfile = p, rttMs = profile.link.rttMs.mid): PowerEstimate =>
    estimatePower(t, profile, s.battery, rttMs / 1000);
  const e = price(timeline);
  const low = price(timeline, p, p.link.rttMs.low);
  const high = price(timeline, p, p.link.rttMs.high);
  const setupmJ = setup
    ? mJ(
        price({
          intervalS: 0,
          session: s.session,
          report: { handshake: setup, data: noExchange() },
          keepalive: { count: 0, everyS: 0, exchange: noExchange() },
          rai: false,
        }).breakdownJ.handshake,
      )
    : null;
  const t = timeline;
  const report = t.report;
  const k = t.keepalive;
  const all = [report?.handshake, report?.data, ...Array.from({ length: Math.ceil(k.count) }, () => k.exchange)];
  const sum = (f: (x: Exchange) => PacketTotals): PacketTotals =>
    all.reduce<PacketTotals>((a, x) => (x ? plus(a, f(x)) : a), { packets: 0, bytes: 0 });
  return {
    radio: p.name,
    source: p.source,
    overridden: s.overridden,
    link: {
      name: p.link.name,
      source: p.link.source,
      rttMs: { ...p.link.rttMs },
      upBps: p.link.upBps,
      downBps: p.link.downBps,
      loss: p.link.loss,
      coverage: s.coverage,
    },
    battery: { label: s.batteryLabel, mAh: s.battery.mAh, volts: s.battery.volts },
    session: s.session,
    keepaliveS: m.keepalive?.intervalS ?? null,
    perReport: {
      intervalS: t.intervalS,
      tx: sum((x) => x.tx),
      rx: sum((x) => x.rx),
      handshakes,
      keepalives: k.count,
      roundTrips: all.reduce((a, x) => a + (x?.roundTrips ?? 0), 0),
      listenS: e.listenS,
      radioOnS: e.radioOnS,
    },
    measured: {
      ackMeanMs: m.ackMeanS === undefined ? null : m.ackMeanS * 1000,
      connectMeanMs: m.connectMeanS === undefined ? null : m.connectMeanS * 1000,
    },
    energyPerMessagemJ: mJ(e.reportJ),
    keepalivemJ: mJ(e.keepaliveJ),
    floormJ: mJ(e.floorJ),
    breakdownmJ: mapBreakdown(e.breakdownJ, mJ),
    averagePowermW: e.averagePowerW * 1000,
    averageCurrentuA: e.averageCurrentmA * 1000,
    batteryLifeDays: days(e),
    batteryLifeYears: e.batteryLifeYears,
    band: { energyPerMessagemJ: [mJ(low.reportJ), mJ(high.reportJ)], batteryLifeDays: [days(high), days(low)] },
    sensitivity: sensitivity(m, s, timeline, price),
    setupmJ,
  };
}

/** The same device repriced with one input changed: round trip, interval, payload, coverage class. */
function sensitivity(
  m: MeasuredTraffic,
  s: PowerSettings,
  t: Timeline,
  price: (t: Timeline, profile?: RadioProfile, rttMs?: number) => PowerEstimate,
): SensitivityRow[] {
  const p = s.profile;
  const row = (change: string, e: PowerEstimate): SensitivityRow => ({
    change,
    energyPerMessagemJ: mJ(e.reportJ),
    batteryLifeDays: days(e),
  });
  const rows: SensitivityRow[] = [
    row(`round trip ×2 (${formatMs(p.link.rttMs.mid * 2)})`, price(t, p, p.link.rttMs.mid * 2)),
    row(`round trip ×10 (${formatMs(p.link.rttMs.mid * 10)})`, price(t, p, p.link.rttMs.mid * 10)),
  ];
  for (const f of [0.1, 10]) {
    const again = timelineOf({ ...m, reportIntervalS: m.reportIntervalS * f }, s.session, s.rai, p.link.loss).timeline;
    if (t.report) rows.push(row(`interval ×${f}`, price(again)));
  }
  if (t.report) {
    for (const extra of [100, 1000]) {
      const data = t.report.data;
      const bigger: Timeline = {
        ...t,
        report: { ...t.report, data: { ...data, tx: { packets: data.tx.packets, bytes: data.tx.bytes + extra } } },
      };
      rows.push(row(`payload +${extra} B`, price(bigger)));
    }
  }
  for (const c of Object.keys(p.coverage) as CoverageClass[]) {
    if (c === s.coverage) continue;
    const other = withCoverage(p, c);
    rows.push(row(`coverage ${c} (${p.coverage[c]?.couplingLossDb} dB)`, price(t, other)));
  }
  return rows;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${+ms.toFixed(1)} ms`;
}
