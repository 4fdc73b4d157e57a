// The fleet's power report (src/power/project.ts): keepalives on the timeline, the energy
// bookkeeping (event, keepalives, floor), monotonicity, and the wire totals it is built from.
import { describe, expect, it } from 'vitest';
import { airtimeS, type PacketTotals, PROFILES } from '../../src/power/index.ts';
import { type MeasuredTraffic, projectPower, timelineOf } from '../../src/power/project.ts';
import { addWire, emptyWire, type WireTotalsByKind } from '../../src/power/wire.ts';
import {
  coap,
  expectTotals,
  mqttSleep,
  RADIOS,
  reportOf,
  rttS,
  settings,
  traffic,
  wireOf,
} from '../helpers/power-traffic.ts';

describe('round trips at the profile RTT, never the run’s own times', () => {
  it('MQTT QoS 1, sleep: 1 (TCP) + 1 (CONNACK) + 1 (PUBACK) round trips per report', () => {
    const radio = 'nrf52-ble';
    const p = PROFILES[radio];
    const r = projectPower(mqttSleep(1), settings(radio, 'sleep'));
    expect(r.perReport.roundTrips).toBe(3);
    expect(r.perReport.listenS).toBeCloseTo(3 * rttS(radio), 12);
    // The data's one round trip is its listening; the handshake's two are in its share.
    expect(r.breakdownmJ.listen).toBeCloseTo(p.listenmA * rttS(radio) * p.volts, 9);
    const hs = reportOf(timelineOf(mqttSleep(1), 'sleep', false)).handshake;
    // Ramp-up with each packet's airtime, the peer's packet after each one sent (T_IFS + an
    // empty PDU) and after each received, the CPU throughout (docs/power.md).
    const l = p.link;
    const hsmC =
      (p.txmA + p.cpumA) * (airtimeS(hs.tx, l, l.upBps) + (hs.tx.packets * l.rampUs) / 1e6) +
      (p.rxmA + p.cpumA) * ((hs.tx.packets * (l.ccaUs + l.l2AckUs)) / 1e6) +
      (p.rxmA + p.cpumA) * (airtimeS(hs.rx, l, l.downBps) + (hs.rx.packets * l.rampUs) / 1e6) +
      (p.txmA + p.cpumA) * ((hs.rx.packets * l.l2AckUs) / 1e6) +
      p.listenmA * 2 * rttS(radio);
    expect(r.breakdownmJ.handshake).toBeCloseTo(hsmC * p.volts, 9);
  });

  it('a wire without waits: one per acked message, one per connection', () => {
    const m = mqttSleep(1, {
      acked: 6,
      wire: wireOf((log) => {
        for (let i = 0; i < 15; i++) [log.opened(), log.sent('data', 30)];
      }),
    });
    const { handshake, data } = reportOf(timelineOf(m, 'sleep', false));
    expect(data.roundTrips).toBeCloseTo(6 / 15, 12);
    expect(handshake.roundTrips).toBe(1 + 1);
  });

  it('the same traffic with other loopback ack and connect times costs the same; they show in `measured` (ms)', () => {
    for (const radio of RADIOS) {
      const fast = projectPower(mqttSleep(1, { ackMeanS: 0.001, connectMeanS: 0.002 }), settings(radio, 'sleep'));
      const slow = projectPower(mqttSleep(1, { ackMeanS: 0.5, connectMeanS: 3 }), settings(radio, 'sleep'));
      const { measured, ...rest } = slow;
      expect(measured).toEqual({ ackMeanMs: 500, connectMeanMs: 3000 });
      expect(fast.measured.ackMeanMs).toBeCloseTo(1, 12);
      expect({ ...fast, measured }).toEqual({ ...rest, measured });
    }
    expect(projectPower(mqttSleep(1), settings('nbiot', 'sleep')).measured).toEqual({
      ackMeanMs: null,
      connectMeanMs: null,
    });
  });
});

describe('keepalives (persistent TCP sessions only)', () => {
  const ping = { txBytes: 2, rxBytes: 2 }; // MQTT PINGREQ / PINGRESP
  const persistent = (
    reportIntervalS: number,
    intervalS: number,
    over: Partial<MeasuredTraffic> = {},
  ): MeasuredTraffic =>
    traffic({
      reportIntervalS,
      keepalive: { intervalS, ...ping },
      messages: 10,
      acked: 10,
      wire: wireOf((log) => {
        log.opened();
        log.waited('handshake');
        log.sent('data', 300, 10);
        log.waited('data', 10);
      }),
      ...over,
    });

  it('300 s reports with a 60 s keepalive: ceil(300/60) − 1 = 4 exchanges, each 2 B + 40 out with an ACK, 2 B + 40 in', () => {
    const { keepalive } = timelineOf(persistent(300, 60), 'persistent', false).timeline;
    expect([keepalive.count, keepalive.everyS, keepalive.exchange.roundTrips]).toEqual([4, 60, 1]);
    expectTotals(keepalive.exchange.tx, { packets: 2, bytes: 42 + 40 }); // PINGREQ + the device's ACK of PINGRESP
    expectTotals(keepalive.exchange.rx, { packets: 1, bytes: 42 });
    const r = projectPower(persistent(300, 60), settings('esp32-wifi', 'persistent'));
    expect(r.keepalivemJ).toBeGreaterThan(0);
    expect(r.keepalivemJ).toBe(r.breakdownmJ.keepalive);
    // The report adds its PUBLISH (30 + 40 B, the broker ACKs it) to the keepalives; no handshake (one connection).
    expect([r.perReport.keepalives, r.perReport.handshakes]).toEqual([4, 0]);
    expectTotals(r.perReport.tx, { packets: 1 + 8, bytes: 70 + 328 });
    expectTotals(r.perReport.rx, { packets: 1 + 4, bytes: 40 + 168 });
    expect(r.perReport.roundTrips).toBeCloseTo(1 + 4, 12);
    expect(r.perReport.listenS).toBeCloseTo(5 * rttS('esp32-wifi'), 12);
  });

  it('uses the keepalive sizes the run counted when it saw some (AMQP heartbeats of 8 B)', () => {
    const wire = wireOf((log) => {
      log.opened();
      log.sent('data', 300, 10);
      log.sent('keepalive', 24, 3);
      log.received('keepalive', 24, 3);
    });
    const { keepalive } = timelineOf(persistent(120, 60, { wire }), 'persistent', false).timeline;
    expect(keepalive.count).toBe(1);
    expectTotals(keepalive.exchange.rx, { packets: 1, bytes: 24 / 3 + 40 });
  });

  it('none when the report interval is shorter than the keepalive, and none in sleep sessions', () => {
    expect(timelineOf(persistent(45, 60), 'persistent', false).timeline.keepalive.count).toBe(0);
    expect(projectPower(persistent(45, 60), settings('esp32-wifi', 'persistent')).keepalivemJ).toBe(0);
    expect(timelineOf(persistent(300, 60), 'sleep', false).timeline.keepalive.count).toBe(0);
  });

  it('a longer keepalive costs less per interval', () => {
    const cost = (k: number) => projectPower(persistent(600, k), settings('esp32-wifi', 'persistent'));
    expect(timelineOf(persistent(600, 30), 'persistent', false).timeline.keepalive.count).toBe(19);
    expect(cost(120).keepalivemJ).toBeLessThan(cost(30).keepalivemJ);
    expect(cost(120).averagePowermW).toBeLessThan(cost(30).averagePowermW);
  });

  it('nRF9160, a 5 s keepalive inside the 11 s tail: the radio stays connected, no tail counted twice', () => {
    const p = PROFILES['nrf9160-ltem'];
    const m = persistent(60, 5);
    const r = projectPower(m, settings('nrf9160-ltem', 'persistent'));
    const { exchange, count } = timelineOf(m, 'persistent', false).timeline.keepalive;
    expect([count, r.breakdownmJ.wake, r.perReport.radioOnS]).toEqual([11, 0, 60]); // never idle: no promotion
    // Each keepalive's own airtime and round trip, above its tail (listening at 30 mA is dearer than the 8.5 mA tail).
    const air = (t: PacketTotals, bps: number): number => airtimeS(t, p.link, bps);
    const kamC =
      p.txmA * air(exchange.tx, p.link.upBps) +
      p.rxmA * air(exchange.rx, p.link.downBps) +
      p.listenmA * rttS('nrf9160-ltem');
    const b = r.breakdownmJ;
    expect(b.keepalive + b.tail + b.idle).toBeLessThanOrEqual((p.tail.mA * 60 + p.promote.mC + count * kamC) * p.volts);
    // The tails fill at most what the events leave of the interval (each event waits at least its round trip).
    const tailsmC = (b.keepalive + b.tail) / p.volts - count * kamC;
    expect(tailsmC).toBeLessThanOrEqual(p.tail.mA * (60 - r.perReport.listenS) + 1e-9);
    expect(tailsmC).toBeGreaterThan(p.tail.mA * (60 - 2 * r.perReport.listenS));
  });

  it('nRF9160, a 60 s keepalive between 600 s reports: every keepalive pays a promotion', () => {
    const p = PROFILES['nrf9160-ltem'];
    const r = projectPower(persistent(600, 60), settings('nrf9160-ltem', 'persistent'));
    expect(r.perReport.keepalives).toBe(9);
    expect(r.keepalivemJ).toBeGreaterThanOrEqual(9 * p.promote.mC * p.volts); // mC × V = mJ
  });
});

describe('energy bookkeeping', () => {
  it('prices the UDP sleep report by hand on the CC2538', () => {
    const r = projectPower(coap(), settings('cc2538-802154', 'sleep'));
    // Airtime: 192 µs preamble + 192 µs ramp-up + 8 × (bytes + 11 B MAC) / 250 kbit/s; each
    // frame sent has a 128 µs CCA before it and waits 544 µs for its ACK (at 20 mA); each frame
    // received is acknowledged (544 µs at 24 mA). The CC2538's figures include no CPU.
    const txS = 192e-6 + 192e-6 + (8 * (67 + 11)) / 250_000; // 0.00288 s
    const rxS = 192e-6 + 192e-6 + (8 * (36 + 11)) / 250_000; // 0.001888 s
    const txLinkS = 128e-6 + 544e-6;
    const rxLinkS = 544e-6;
    const listenS = 0.03; // one round trip at the border router's 30 ms
    const activeS = 0.001 + txS + rxS + txLinkS + rxLinkS + listenS; // wake 1 ms, no tail
    const txmC = 24 * txS + 20 * txLinkS;
    const rxmC = 20 * rxS + 24 * rxLinkS;
    expect(r.energyPerMessagemJ).toBeCloseTo((0.013 + txmC + rxmC + 20 * listenS) * 3, 12); // × 3 V
    expect(r.floormJ).toBeCloseTo(0.0013 * (30 - activeS) * 3, 12);
    expect(r.breakdownmJ.sleep).toBe(r.floormJ);
    expect(r.breakdownmJ.tx).toBeCloseTo(txmC * 3, 12);
    expect(r.breakdownmJ.rx).toBeCloseTo(rxmC * 3, 12);
    expect([r.breakdownmJ.idle, r.keepalivemJ]).toEqual([0, 0]);
    expect(r.perReport.radioOnS).toBeCloseTo(activeS, 12);
  });

  it.each(RADIOS)('%s: breakdown, average power, battery life and band agree', (radio) => {
    for (const session of ['sleep', 'persistent'] as const) {
      const m = mqttSleep(1, { reportIntervalS: 60, keepalive: { intervalS: 25, txBytes: 2, rxBytes: 2 } });
      const r = projectPower(m, settings(radio, session));
      const b = r.breakdownmJ;
      const event = b.wake + b.handshake + b.tx + b.rx + b.listen + b.tail;
      expect(event).toBeCloseTo(r.energyPerMessagemJ, 9);
      expect([b.keepalive, b.idle + b.sleep]).toEqual([r.keepalivemJ, r.floormJ]);
      const sum = Object.values(b).reduce((s, x) => s + x, 0);
      const total = r.energyPerMessagemJ + r.keepalivemJ + r.floormJ;
      expect(Math.abs(sum - total) / total).toBeLessThan(1e-9);
      expect(r.averagePowermW * r.perReport.intervalS).toBeCloseTo(total, 9);
      expect((r.averageCurrentuA / 1000) * PROFILES[radio].volts).toBeCloseTo(r.averagePowermW, 9); // mA × V = mW
      // 2500 mAh × 3 V × 3.6 = 27 000 J; days = J / W / 86 400.
      const days = (2500 * 3 * 3.6) / (r.averagePowermW / 1000) / 86_400;
      expect(Math.abs(r.batteryLifeDays - days) / days).toBeLessThan(1e-9);
      expect(r.batteryLifeYears).toBeCloseTo((r.batteryLifeDays * 24) / (24 * 365), 9);
      // The band: the link's low and high round trips around the typical one.
      const [low, high] = r.band.energyPerMessagemJ;
      expect(low).toBeLessThanOrEqual(r.energyPerMessagemJ);
      expect(r.energyPerMessagemJ).toBeLessThanOrEqual(high);
      const [shortest, longest] = r.band.batteryLifeDays;
      expect(shortest).toBeLessThanOrEqual(r.batteryLifeDays);
      expect(r.batteryLifeDays).toBeLessThanOrEqual(longest);
    }
  });

  it.each(RADIOS)('%s: sensitivity rows, and a bigger payload never costs less', (radio) => {
    const r = projectPower(mqttSleep(1), settings(radio, 'sleep'));
    const changes = r.sensitivity.map((row) => row.change.replace(/ \(.*\)$/, ''));
    const rows = [
      'round trip ×2',
      'round trip ×10',
      'interval ×0.1',
      'interval ×10',
      'payload +100 B',
      'payload +1000 B',
    ];
    expect(changes).toEqual(radio === 'nbiot' ? [...rows, 'coverage robust', 'coverage extreme'] : rows);
    const mJ = (change: string): number => r.sensitivity[changes.indexOf(change)]!.energyPerMessagemJ;
    expect(mJ('payload +1000 B')).toBeGreaterThanOrEqual(mJ('payload +100 B'));
    expect(mJ('payload +100 B')).toBeGreaterThanOrEqual(r.energyPerMessagemJ);
    expect(mJ('round trip ×10')).toBeGreaterThanOrEqual(mJ('round trip ×2'));
  });

  it('nRF9160: Release Assistance shortens the tail and the report', () => {
    const m = mqttSleep(1);
    const plain = projectPower(m, settings('nrf9160-ltem', 'sleep'));
    const rai = projectPower(m, settings('nrf9160-ltem', 'sleep', true));
    expect(rai.breakdownmJ.tail).toBeLessThan(plain.breakdownmJ.tail);
    expect(rai.energyPerMessagemJ).toBeLessThan(plain.energyPerMessagemJ);
    expect(timelineOf(m, 'sleep', true).timeline.rai).toBe(true);
  });
});

describe('monotonicity', () => {
  it('more bytes or more packets per message never cost less, for every profile and session', () => {
    for (const radio of RADIOS) {
      for (const session of ['sleep', 'persistent'] as const) {
        const cost = (packets: number, bytes: number): number =>
          projectPower(
            mqttSleep(1, { messages: 1, wire: wireOf((log) => [log.opened(), log.sent('data', bytes, packets)]) }),
            settings(radio, session),
          ).energyPerMessagemJ;
        const byBytes = [10, 100, 1000, 10_000].map((b) => cost(1, b));
        const byPackets = [1, 2, 5, 20].map((n) => cost(n, 1000));
        for (const costs of [byBytes, byPackets])
          for (let i = 1; i < costs.length; i++)
            expect(costs[i], `${radio} ${session}`).toBeGreaterThanOrEqual(costs[i - 1] as number);
      }
    }
  });

  it('with a cheap wake (CC2538) sleeping between 30 s reports beats staying connected: the idle floor dominates', () => {
    const sleep = projectPower(coap(), settings('cc2538-802154', 'sleep'));
    const persistent = projectPower(coap(), settings('cc2538-802154', 'persistent'));
    expect(sleep.averagePowermW).toBeLessThan(persistent.averagePowermW);
    expect(persistent.breakdownmJ.idle).toBeGreaterThan((persistent.averagePowermW * 30) / 2);
  });
});

describe('wire totals', () => {
  const zero = { packets: 0, bytes: 0 };
  it('WireLog counts connections, packets (1 by default), bytes and round trips by direction and kind', () => {
    const w = wireOf((log) => {
      log.opened();
      log.opened();
      log.sent('data', 30);
      log.sent('data', 50, 2);
      log.received('keepalive', 2);
      log.sent('handshake', 37, 2);
      log.waited('data');
      log.waited('handshake', 3);
    });
    expect(w).toEqual({
      connections: 2,
      tx: { handshake: { packets: 2, bytes: 37 }, data: { packets: 3, bytes: 80 }, keepalive: zero },
      rx: { handshake: zero, data: zero, keepalive: { packets: 1, bytes: 2 } },
      waits: { handshake: 3, data: 1, keepalive: 0 },
      secure: { full: 0, resumed: 0, tx: zero, rx: zero, waits: 0, tls13: 0 },
    });
  });

  it('addWire sums every field in place; emptyWire shares nothing', () => {
    // b holds distinct figures in every field, so a field left out or crossed shows.
    const b = wireOf((log) => {
      log.opened();
      let i = 1;
      for (const k of ['handshake', 'data', 'keepalive'] as const) {
        log.sent(k, 10 * i, i);
        log.received(k, 100 * i, 5 * i);
        log.waited(k, 1000 * i);
        i++;
      }
    });
    b.secure = {
      full: 2,
      resumed: 3,
      tx: { packets: 4, bytes: 50 },
      rx: { packets: 6, bytes: 70 },
      waits: 8,
      tls13: 4,
    };
    const a = wireOf((log) => [log.opened(), log.opened(), log.sent('data', 7), log.received('keepalive', 3)]);
    a.waits.data = 9;
    a.secure = { full: 1, resumed: 0, tx: { packets: 1, bytes: 1 }, rx: { packets: 1, bytes: 1 }, waits: 1, tls13: 1 };
    const sum = addWire(a, b);
    expect(sum).toBe(a);
    expect(sum).toEqual({
      connections: 3,
      tx: {
        handshake: { packets: 1, bytes: 10 },
        data: { packets: 3, bytes: 27 },
        keepalive: { packets: 3, bytes: 30 },
      },
      rx: {
        handshake: { packets: 5, bytes: 100 },
        data: { packets: 10, bytes: 200 },
        keepalive: { packets: 16, bytes: 303 },
      },
      waits: { handshake: 1000, data: 2009, keepalive: 3000 },
      secure: { full: 3, resumed: 3, tx: { packets: 5, bytes: 51 }, rx: { packets: 7, bytes: 71 }, waits: 9, tls13: 5 },
    });
    // Results written before waits and secure were counted lack them: they add nothing.
    const { waits: _w, secure: _s, ...old } = wireOf((log) => log.opened());
    expect(addWire(emptyWire(), old as WireTotalsByKind).waits).toEqual({ handshake: 0, data: 0, keepalive: 0 });
    const e1 = emptyWire();
    addWire(e1, b);
    const kinds = { handshake: zero, data: zero, keepalive: zero };
    expect(emptyWire()).toEqual({
      connections: 0,
      tx: kinds,
      rx: kinds,
      waits: { handshake: 0, data: 0, keepalive: 0 },
      secure: { full: 0, resumed: 0, tx: zero, rx: zero, waits: 0, tls13: 0 },
    });
    expect(e1.tx.data).not.toBe(e1.rx.data);
    expect(e1.secure.tx).not.toBe(e1.secure.rx);
  });
});
