// From counted traffic to one device's timeline (src/power/project.ts), checked against figures
// worked out by hand from the byte rules: TCP/IP 40 B and UDP/IP 28 B per packet, TLS 29 B per
// record, TCP open/close 4 segments out and 2 in, one pure ACK per exchange; waits are round
// trips at the profile's RTT, never the run's own (loopback) times.
import { describe, expect, it } from 'vitest';
import { airtimeS, noExchange, PROFILES, type ProfileName, TCP_IP_BYTES, UDP_IP_BYTES } from '../../src/power/index.ts';
import {
  projectPower,
  TCP_OPEN_CLOSE,
  TLS_HANDSHAKE,
  TLS_RECORD_BYTES,
  TLS13_RECORD_BYTES,
  timelineOf,
} from '../../src/power/project.ts';
import { addWire, type WireLog } from '../../src/power/wire.ts';
import { coap, expectTotals, mqttSleep, reportOf, rttS, settings, wireOf } from '../helpers/power-traffic.ts';

describe('timelineOf: what one report puts on the air', () => {
  it('UDP: per packet 28 B of UDP/IP, no handshakes, no pure ACKs; sleep wakes, persistent promotes', () => {
    const sleep = timelineOf(coap(), 'sleep', false);
    const { data, handshake } = reportOf(sleep);
    expectTotals(data.tx, { packets: 10 / 10, bytes: 390 / 10 + UDP_IP_BYTES }); // 1 packet, 39 + 28 = 67 B
    expectTotals(data.rx, { packets: 1, bytes: 80 / 10 + 28 }); // 8 + 28 = 36 B
    expect([data.roundTrips, data.timeoutS]).toEqual([1, 0]);
    expect([sleep.handshakes, sleep.timeline.keepalive.count, sleep.timeline.intervalS]).toEqual([0, 0, 30]);
    expect(handshake).toEqual(noExchange());
    expect(sleep.setup).toBeUndefined();
    expect(timelineOf(coap(), 'persistent', false).setup).toBeUndefined();
    const wake = (radio: ProfileName, session: 'persistent' | 'sleep'): number =>
      projectPower(coap(), settings(radio, session)).breakdownmJ.wake;
    const [cc, nrf] = [PROFILES['cc2538-802154'], PROFILES['nrf9160-ltem']];
    expect(wake('cc2538-802154', 'sleep')).toBeCloseTo(cc.wake.mC * cc.volts, 12); // mC × V = mJ
    expect(wake('esp32-wifi', 'persistent')).toBe(0); // an associated station has nothing to promote
    expect(wake('nrf9160-ltem', 'persistent')).toBeCloseTo(nrf.promote.mC * nrf.volts, 12); // 30 s > the 11 s tail
  });

  it('MQTT QoS 0, sleep: one handshake per report, and the peer sends the pure ACK', () => {
    const r = projectPower(mqttSleep(0), settings('esp32-wifi', 'sleep'));
    const { handshake, data } = reportOf(timelineOf(mqttSleep(0), 'sleep', false));
    // Handshake out: 555/15 = 37 B in 30/15 = 2 packets + 2 × 40 B headers, + 4 open/close segments × 40 B.
    expectTotals(handshake.tx, { packets: 2 + TCP_OPEN_CLOSE.tx, bytes: 37 + 2 * TCP_IP_BYTES + 4 * 40 }); // 6, 277 B
    // Handshake in: CONNACK 4 + 40, + SYN-ACK and FIN-ACK 2 × 40.
    expectTotals(handshake.rx, { packets: 1 + TCP_OPEN_CLOSE.rx, bytes: 4 + 40 + 2 * 40 }); // 3 packets, 124 B
    expectTotals(data.tx, { packets: 1, bytes: 35 + 40 }); // 75 B
    expectTotals(data.rx, { packets: 1, bytes: 40 }); // the broker's pure ACK of the PUBLISH
    expect([handshake.roundTrips, data.roundTrips]).toEqual([1 + 1, 0]); // SYN/SYN-ACK, CONNACK; nothing to wait for
    expect(r.perReport.handshakes).toBe(1);
    expectTotals(r.perReport.tx, { packets: 6 + 1, bytes: 277 + 75 }); // 352 B
    expectTotals(r.perReport.rx, { packets: 3 + 1, bytes: 124 + 40 }); // 164 B
    expect(r.setupmJ).toBeNull();
  });

  it('MQTT QoS 1, sleep: the PUBACK arrives and the device sends the pure ACK instead', () => {
    const { data } = reportOf(timelineOf(mqttSleep(1), 'sleep', false));
    expectTotals(data.tx, { packets: 1 + 1, bytes: 35 + 40 + 40 }); // PUBLISH + the device's ACK: 115 B
    expectTotals(data.rx, { packets: 1, bytes: 4 + 40 }); // PUBACK only: 44 B
    const r = projectPower(mqttSleep(1), settings('esp32-wifi', 'sleep'));
    expectTotals(r.perReport.tx, { packets: 6 + 2, bytes: 277 + 115 }); // 392 B
    expectTotals(r.perReport.rx, { packets: 3 + 1, bytes: 124 + 44 }); // 168 B
  });

  it('persistent: only reconnections beyond one connection per device are handshakes per report', () => {
    const m = mqttSleep(1, {
      devices: 5,
      messages: 14,
      wire: wireOf((log) => {
        for (let i = 0; i < 7; i++) {
          log.opened();
          log.sent('handshake', 37, 2);
          log.received('handshake', 4);
          log.waited('handshake');
        }
        log.sent('data', 14 * 35, 14);
      }),
    });
    const a = timelineOf(m, 'persistent', false);
    expect(a.handshakes).toBeCloseTo((7 - 5) / 14, 12); // 2 reconnections over 14 messages
    expect(reportOf(a).handshake.roundTrips).toBeCloseTo((2 / 14) * 2, 12);
    const r = projectPower(m, settings('esp32-wifi', 'persistent'));
    expect(r.breakdownmJ.wake).toBe(0);
    expect(r.setupmJ as number).toBeGreaterThan(0);
    // The handshake share of a report is the one-off setup × handshakes per report.
    expect(r.breakdownmJ.handshake).toBeCloseTo((r.setupmJ as number) * (2 / 14), 9);
    // setup = V × (I_tx·t_air(tx) + I_rx·t_air(rx) + link-layer costs + I_listen·2·RTT): SYN/SYN-ACK and CONNACK.
    const p = PROFILES['esp32-wifi'];
    const setup = a.setup!;
    expectTotals(setup.tx, { packets: 2 + 4, bytes: 37 + 2 * 40 + 4 * 40 });
    expectTotals(setup.rx, { packets: 1 + 2, bytes: 4 + 40 + 2 * 40 });
    expect(setup.roundTrips).toBe(2);
    // Wi-Fi: DIFS before each frame sent and the ACK after it at the receive current, the ACK
    // for each frame received at the transmit current (no ramp-up, no separate CPU current).
    const l = p.link;
    const mC =
      p.txmA * airtimeS(setup.tx, l, l.upBps) +
      p.rxmA * ((setup.tx.packets * (l.ccaUs + l.l2AckUs)) / 1e6) +
      p.rxmA * airtimeS(setup.rx, l, l.downBps) +
      p.txmA * ((setup.rx.packets * l.l2AckUs) / 1e6) +
      p.listenmA * 2 * rttS('esp32-wifi');
    expect(r.setupmJ as number).toBeCloseTo(mC * p.volts, 9); // mC × V = mJ
  });

  it('TLS not counted: 29 B per TCP application packet and a TLS 1.2 full handshake (2 round trips) per connection', () => {
    const plain = reportOf(timelineOf(mqttSleep(1), 'sleep', false));
    const tls = reportOf(timelineOf(mqttSleep(1, { tls: true }), 'sleep', false));
    // Application packets: out CONNECT, DISCONNECT, PUBLISH; in CONNACK, PUBACK. Pure ACKs and SYN/FIN carry no record.
    // The handshake's records travel in TCP segments of their own: 40 B of TCP/IP each.
    const extraTx = 2 * TLS_RECORD_BYTES + TLS_HANDSHAKE.tx.bytes + TLS_HANDSHAKE.tx.packets * 40; // 58 + 400 + 120
    const extraRx = 1 * 29 + TLS_HANDSHAKE.rx.bytes + TLS_HANDSHAKE.rx.packets * 40; // 29 + 2500 + 120
    expect(tls.handshake.tx.bytes - plain.handshake.tx.bytes).toBeCloseTo(extraTx, 9);
    expect(tls.handshake.rx.bytes - plain.handshake.rx.bytes).toBeCloseTo(extraRx, 9);
    expect(tls.handshake.tx.packets - plain.handshake.tx.packets).toBeCloseTo(TLS_HANDSHAKE.tx.packets, 9);
    expect(tls.handshake.roundTrips - plain.handshake.roundTrips).toBe(TLS_HANDSHAKE.roundTrips);
    expect(tls.data.tx.bytes - plain.data.tx.bytes).toBeCloseTo(29, 9);
    expect(tls.data.rx.bytes - plain.data.rx.bytes).toBeCloseTo(29, 9);
    expect(tls.data.roundTrips).toBe(plain.data.roundTrips);
  });

  it('TLS counted in wire.secure: its records with 40 B of TCP/IP each and its own round trips', () => {
    // 15 resumed handshakes: 2 records out (240 B), 3 in (450 B), 1 round trip each.
    const m = mqttSleep(1, { tls: true });
    m.wire.secure = {
      full: 0,
      resumed: 15,
      tx: { packets: 30, bytes: 3600 },
      rx: { packets: 45, bytes: 6750 },
      waits: 15,
    };
    const plain = reportOf(timelineOf(mqttSleep(1), 'sleep', false)).handshake;
    const tls = reportOf(timelineOf(m, 'sleep', false)).handshake;
    expectTotals(tls.tx, { packets: plain.tx.packets + 2, bytes: plain.tx.bytes + 2 * 29 + 240 + 2 * 40 });
    expectTotals(tls.rx, { packets: plain.rx.packets + 3, bytes: plain.rx.bytes + 1 * 29 + 450 + 3 * 40 });
    expect(tls.roundTrips).toBe(1 + 1 + 1); // SYN/SYN-ACK, the resumption, CONNACK
  });

  it('TLS 1.3 counted: 22 B per record (RFC 8446 §5.2) instead of 1.2’s 29, weighted by the handshakes that negotiated it', () => {
    const secure = (tls13: number) => ({
      full: 0,
      resumed: 4,
      tx: { packets: 8, bytes: 960 },
      rx: { packets: 12, bytes: 1800 },
      waits: 4,
      tls13,
    });
    const data = (tls13: number) => {
      const m = mqttSleep(1, { tls: true });
      m.wire.secure = secure(tls13);
      return reportOf(timelineOf(m, 'sleep', false)).data;
    };
    const plain = reportOf(timelineOf(mqttSleep(1), 'sleep', false)).data;
    // One PUBLISH out, one PUBACK in: one record each way.
    expect(data(4).tx.bytes - plain.tx.bytes).toBeCloseTo(TLS13_RECORD_BYTES, 9);
    expect(data(0).tx.bytes - plain.tx.bytes).toBeCloseTo(TLS_RECORD_BYTES, 9);
    expect(data(2).rx.bytes - plain.rx.bytes).toBeCloseTo((TLS_RECORD_BYTES + TLS13_RECORD_BYTES) / 2, 9);
    // A result written before the field was counted: TLS 1.2's overhead.
    const { tls13: _t, ...old } = secure(4);
    const m = mqttSleep(1, { tls: true });
    m.wire.secure = old;
    expect(reportOf(timelineOf(m, 'sleep', false)).data.tx.bytes - plain.tx.bytes).toBeCloseTo(TLS_RECORD_BYTES, 9);
  });

  it('DTLS (UDP with tls): the counted datagrams with UDP/IP, no SYN round trip, a session kept even in sleep', () => {
    // 2 devices, one session each: 4 datagrams out (313 B + a 39 B close_notify), 3 in (287 B), 3 flights waited for.
    const sessions = (log: WireLog): void => {
      for (let d = 0; d < 2; d++) {
        log.opened();
        log.sent('handshake', 352, 4);
        log.received('handshake', 287, 3);
        log.waited('handshake', 3);
      }
    };
    const records = (log: WireLog): void => {
      log.sent('data', 390 + 10 * 29, 10);
      log.received('data', 80 + 10 * 29, 10);
      log.waited('data', 10);
    };
    const dtls = coap({ tls: true, wire: wireOf((log) => [sessions(log), records(log)]) });
    for (const session of ['persistent', 'sleep'] as const) {
      const r = timelineOf(dtls, session, false);
      // The session is kept between reports: no handshake per report, the first one is set-up.
      expect(r.handshakes).toBe(0);
      expectTotals(r.setup!.tx, { packets: 4, bytes: 352 + 4 * UDP_IP_BYTES });
      expectTotals(r.setup!.rx, { packets: 3, bytes: 287 + 3 * UDP_IP_BYTES });
      expect(r.setup!.roundTrips).toBe(3);
      // Nothing is added for the records: their headers and tags were counted.
      expectTotals(reportOf(r).data.tx, { packets: 1, bytes: 39 + 29 + UDP_IP_BYTES });
    }
    // Counted only in wire.secure: the same datagrams and waits from there.
    const secureOnly = coap({ tls: true, wire: wireOf((log) => [log.opened(), log.opened(), records(log)]) });
    secureOnly.wire.secure = {
      full: 2,
      resumed: 0,
      tx: { packets: 8, bytes: 704 },
      rx: { packets: 6, bytes: 574 },
      waits: 6,
    };
    const s = timelineOf(secureOnly, 'sleep', false).setup!;
    expectTotals(s.tx, { packets: 4, bytes: 352 + 4 * UDP_IP_BYTES });
    expectTotals(s.rx, { packets: 3, bytes: 287 + 3 * UDP_IP_BYTES });
    expect(s.roundTrips).toBe(3);
    // A device that had to open a second session pays that handshake in its reports.
    const again = coap({
      ...dtls,
      wire: addWire(
        wireOf((log) => [log.opened(), log.sent('handshake', 176, 2)]),
        dtls.wire,
      ),
    });
    expect(timelineOf(again, 'persistent', false).handshakes).toBeCloseTo(1 / 10, 9);
    expect(projectPower(dtls, settings('cc2538-802154', 'persistent')).setupmJ).toBeGreaterThan(0);
  });
});
