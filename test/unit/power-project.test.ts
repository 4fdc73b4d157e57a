// From measured traffic to the per-report Activity and the fleet's power report (src/power/project.ts),
// checked against figures worked out by hand from the byte rules: TCP/IP 40 B and UDP/IP 28 B per
// packet, TLS 29 B per record, TCP open/close 4 segments out and 2 in, one pure ACK per exchange.
import { describe, expect, it } from 'vitest';
import {
  airtimeS,
  type PacketTotals,
  PROFILES,
  type ProfileName,
  TCP_IP_BYTES,
  TWO_AA,
  UDP_IP_BYTES,
} from '../../src/power/index.ts';
import {
  activityOf,
  type MeasuredTraffic,
  type PowerSettings,
  projectPower,
  TCP_OPEN_CLOSE,
  TLS_HANDSHAKE,
  TLS_RECORD_BYTES,
} from '../../src/power/project.ts';
import { addWire, emptyWire, WireLog, type WireTotalsByKind } from '../../src/power/wire.ts';

const wireOf = (fill: (log: WireLog) => void): WireTotalsByKind => {
  const log = new WireLog();
  fill(log);
  return log.totals;
};
const traffic = (over: Partial<MeasuredTraffic>): MeasuredTraffic => ({
  transport: 'tcp',
  tls: false,
  devices: 1,
  wire: emptyWire(),
  messages: 1,
  acked: 0,
  ackMeanS: undefined,
  connectMeanS: undefined,
  reportIntervalS: 30,
  keepalive: undefined,
  ...over,
});
const settings = (radio: ProfileName, session: 'persistent' | 'sleep'): PowerSettings => ({
  profile: PROFILES[radio],
  battery: TWO_AA,
  batteryLabel: '2xAA',
  session,
  overridden: [],
});
/** Per-report figures are totals divided by counts: compare them to 9 decimals. */
const expectTotals = (actual: PacketTotals, expected: PacketTotals): void => {
  expect(actual.packets, 'packets').toBeCloseTo(expected.packets, 9);
  expect(actual.bytes, 'bytes').toBeCloseTo(expected.bytes, 9);
};

// A CoAP-like UDP fleet: 10 messages of 39 B out, 10 answers of 8 B in.
const coap = (over: Partial<MeasuredTraffic> = {}): MeasuredTraffic =>
  traffic({
    transport: 'udp',
    devices: 2,
    messages: 10,
    acked: 10,
    ackMeanS: 0.02,
    wire: wireOf((log) => {
      log.sent('data', 390, 10);
      log.received('data', 80, 10);
    }),
    ...over,
  });

// MQTT over TCP in sleep sessions: each of 15 reports opens a connection and sends CONNECT (35 B)
// and DISCONNECT (2 B), receives CONNACK (4 B), publishes 35 B; QoS 1 also receives a 4 B PUBACK.
const mqttSleep = (qos: 0 | 1, over: Partial<MeasuredTraffic> = {}): MeasuredTraffic =>
  traffic({
    devices: 3,
    messages: 15,
    wire: wireOf((log) => {
      for (let i = 0; i < 15; i++) {
        log.opened();
        log.sent('handshake', 35);
        log.sent('handshake', 2);
        log.received('handshake', 4);
        log.sent('data', 35);
        if (qos === 1) log.received('data', 4);
      }
    }),
    ...over,
  });

describe('activityOf: what one report puts on the air', () => {
  it('UDP: per packet 28 B of UDP/IP, no handshakes, no pure ACKs; a wake only in sleep sessions', () => {
    const sleep = activityOf(coap(), 'sleep');
    expectTotals(sleep.activity.data.tx, { packets: 10 / 10, bytes: 390 / 10 + UDP_IP_BYTES }); // 1 packet, 39 + 28 = 67 B
    expectTotals(sleep.activity.data.rx, { packets: 1, bytes: 80 / 10 + 28 }); // 8 + 28 = 36 B
    expect([sleep.handshakes, sleep.keepalives, sleep.activity.wakes, sleep.activity.tails]).toEqual([0, 0, 1, 1]);
    expect(sleep.activity.handshake).toEqual({
      tx: { packets: 0, bytes: 0 },
      rx: { packets: 0, bytes: 0 },
      listenS: 0,
    });
    expect(sleep.setup).toBeUndefined();
    const persistent = activityOf(coap(), 'persistent');
    expect(persistent.activity.wakes).toBe(0);
    expect(persistent.setup).toBeUndefined();
  });

  it('MQTT QoS 0, sleep: one handshake per report, and the peer sends the pure ACK', () => {
    const r = projectPower(mqttSleep(0), settings('esp32-wifi', 'sleep'));
    const { activity } = activityOf(mqttSleep(0), 'sleep');
    // Handshake out: 555/15 = 37 B in 30/15 = 2 packets + 2 × 40 B headers, + 4 open/close segments × 40 B.
    expectTotals(activity.handshake.tx, { packets: 2 + TCP_OPEN_CLOSE.tx, bytes: 37 + 2 * TCP_IP_BYTES + 4 * 40 }); // 6 packets, 277 B
    // Handshake in: CONNACK 4 + 40, + SYN-ACK and FIN-ACK 2 × 40.
    expectTotals(activity.handshake.rx, { packets: 1 + TCP_OPEN_CLOSE.rx, bytes: 4 + 40 + 2 * 40 }); // 3 packets, 124 B
    expectTotals(activity.data.tx, { packets: 1, bytes: 35 + 40 }); // 75 B
    expectTotals(activity.data.rx, { packets: 1, bytes: 40 }); // the broker's pure ACK of the PUBLISH
    expect(r.perReport.handshakes).toBe(1);
    expectTotals(r.perReport.tx, { packets: 6 + 1, bytes: 277 + 75 }); // 352 B
    expectTotals(r.perReport.rx, { packets: 3 + 1, bytes: 124 + 40 }); // 164 B
    expect(r.setupmJ).toBeNull();
  });

  it('MQTT QoS 1, sleep: the PUBACK arrives and the device sends the pure ACK instead', () => {
    const { activity } = activityOf(mqttSleep(1), 'sleep');
    expectTotals(activity.data.tx, { packets: 1 + 1, bytes: 35 + 40 + 40 }); // PUBLISH + the device's ACK: 115 B
    expectTotals(activity.data.rx, { packets: 1, bytes: 4 + 40 }); // PUBACK only: 44 B
    const r = projectPower(mqttSleep(1), settings('esp32-wifi', 'sleep'));
    expectTotals(r.perReport.tx, { packets: 6 + 2, bytes: 277 + 115 }); // 392 B
    expectTotals(r.perReport.rx, { packets: 3 + 1, bytes: 124 + 44 }); // 168 B
  });

  it('persistent: only reconnections beyond one connection per device are handshakes per report', () => {
    const m = mqttSleep(1, {
      devices: 5,
      messages: 14,
      connectMeanS: 0.1,
      wire: wireOf((log) => {
        for (let i = 0; i < 7; i++) {
          log.opened();
          log.sent('handshake', 37, 2);
          log.received('handshake', 4);
        }
        log.sent('data', 14 * 35, 14);
      }),
    });
    const a = activityOf(m, 'persistent');
    expect(a.handshakes).toBeCloseTo((7 - 5) / 14, 12); // 2 reconnections over 14 messages
    expect(a.activity.wakes).toBe(0);
    expect(a.activity.handshake.listenS).toBeCloseTo((2 / 14) * 0.1, 12);
    const r = projectPower(m, settings('esp32-wifi', 'persistent'));
    expect(r.setupmJ).not.toBeNull();
    expect(r.setupmJ as number).toBeGreaterThan(0);
    // The handshake share of a report is the one-off setup × handshakes per report.
    expect(r.breakdownmJ.handshake).toBeCloseTo((r.setupmJ as number) * (2 / 14), 9);
    // setup = V × (I_tx·t_air(tx) + I_rx·t_air(rx) + I_listen·t_connect), one connection's segments.
    const p = PROFILES['esp32-wifi'];
    const setup = a.setup as NonNullable<typeof a.setup>;
    expectTotals(setup.tx, { packets: 2 + 4, bytes: 37 + 2 * 40 + 4 * 40 });
    const mC = p.txmA * airtimeS(setup.tx, p) + p.rxmA * airtimeS(setup.rx, p) + p.listenmA * 0.1;
    expect(r.setupmJ as number).toBeCloseTo(mC * p.volts, 9); // mC × V = mJ
  });

  it('TLS adds 29 B per TCP application packet and a full handshake per connection', () => {
    const plain = activityOf(mqttSleep(1), 'sleep').activity;
    const tls = activityOf(mqttSleep(1, { tls: true }), 'sleep').activity;
    // Application packets: out 2 handshake (CONNECT, DISCONNECT) + 1 PUBLISH; in CONNACK + PUBACK. Pure ACKs and SYN/FIN carry no record.
    // The handshake's records travel in TCP segments of their own: 40 B of TCP/IP each.
    expect(tls.handshake.tx.bytes - plain.handshake.tx.bytes).toBeCloseTo(
      2 * TLS_RECORD_BYTES + TLS_HANDSHAKE.tx.bytes + TLS_HANDSHAKE.tx.packets * 40,
      9,
    ); // 58 + 400 + 120
    expect(tls.handshake.rx.bytes - plain.handshake.rx.bytes).toBeCloseTo(
      1 * 29 + TLS_HANDSHAKE.rx.bytes + TLS_HANDSHAKE.rx.packets * 40,
      9,
    ); // 29 + 2500 + 120
    expect(tls.handshake.tx.packets - plain.handshake.tx.packets).toBeCloseTo(TLS_HANDSHAKE.tx.packets, 9);
    expect(tls.data.tx.bytes - plain.data.tx.bytes).toBeCloseTo(29, 9);
    expect(tls.data.rx.bytes - plain.data.rx.bytes).toBeCloseTo(29, 9);
  });

  it('DTLS (UDP with tls): the measured handshake datagrams with UDP/IP, a one-off set-up even in sleep sessions; data records as measured', () => {
    // 2 devices, one session each: 4 datagrams out (313 B + a 39 B close_notify), 3 in (287 B).
    const dtls = coap({
      tls: true,
      connectMeanS: 0.004,
      wire: wireOf((log) => {
        for (let d = 0; d < 2; d++) {
          log.opened();
          log.sent('handshake', 352, 4);
          log.received('handshake', 287, 3);
        }
        log.sent('data', 390 + 10 * 29, 10);
        log.received('data', 80 + 10 * 29, 10);
      }),
    });
    for (const session of ['persistent', 'sleep'] as const) {
      const r = activityOf(dtls, session);
      // The session is kept between reports: no handshake per report, the first one is set-up.
      expect(r.handshakes).toBe(0);
      expectTotals(r.setup!.tx, { packets: 4, bytes: 352 + 4 * UDP_IP_BYTES });
      expectTotals(r.setup!.rx, { packets: 3, bytes: 287 + 3 * UDP_IP_BYTES });
      expect(r.setup!.listenS).toBe(0.004);
      // Nothing is added for the records: their headers and tags were measured.
      expectTotals(r.activity.data.tx, { packets: 1, bytes: 39 + 29 + UDP_IP_BYTES });
    }
    // A device that had to open a second session pays that handshake in its reports.
    const again = coap({
      ...dtls,
      wire: addWire(
        wireOf((log) => {
          log.opened();
          log.sent('handshake', 176, 2);
        }),
        dtls.wire,
      ),
    });
    expect(activityOf(again, 'persistent').handshakes).toBeCloseTo(1 / 10, 9);
    expect(projectPower(dtls, settings('cc2538-802154', 'persistent')).setupmJ).toBeGreaterThan(0);
  });
});

describe('listening and the round trip', () => {
  const m = (over: Partial<MeasuredTraffic>): MeasuredTraffic =>
    mqttSleep(1, { ackMeanS: 0.05, connectMeanS: 0.2, acked: 6, ...over });

  it('listens the ack time for each acked message and the connect time per handshake', () => {
    const ten = m({
      messages: 10,
      wire: wireOf((log) => {
        for (let i = 0; i < 10; i++) {
          log.opened();
          log.sent('data', 30);
        }
      }),
    });
    const r = projectPower(ten, settings('nrf52-ble', 'sleep'));
    const a = activityOf(ten, 'sleep').activity;
    expect(a.data.listenS).toBeCloseTo((0.05 * 6) / 10, 12); // 0.03 s
    expect(a.handshake.listenS).toBeCloseTo(0.2 * 1, 12); // one handshake per report
    expect(r.perReport.listenS).toBeCloseTo(0.03 + 0.2, 12);
    // Acks beyond the messages (duplicates) do not add listening.
    expect(activityOf(m({ messages: 10, acked: 12 }), 'sleep').activity.data.listenS).toBeCloseTo(0.05, 12);
  });

  it.each<[string, Partial<MeasuredTraffic>, 'ack' | 'connect' | 'none', number]>([
    ['ack time when messages were acked', {}, 'ack', 0.05],
    ['connect time when nothing was acked', { acked: 0 }, 'connect', 0.2],
    ['connect time without an ack time', { ackMeanS: undefined }, 'connect', 0.2],
    ['nothing measured', { ackMeanS: undefined, connectMeanS: undefined }, 'none', 0],
  ])('rtt: %s', (_label, over, from, rttS) => {
    const a = activityOf(m(over), 'sleep');
    expect([a.rttFrom, a.rttS]).toEqual([from, rttS]);
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
      ackMeanS: 0.03,
      wire: wireOf((log) => {
        log.opened();
        log.sent('data', 300, 10);
      }),
      ...over,
    });

  it('300 s reports with a 60 s keepalive: ceil(300/60) − 1 = 4 exchanges, each 2 B + 40 out with an ACK, 2 B + 40 in', () => {
    const a = activityOf(persistent(300, 60), 'persistent');
    expect(a.keepalives).toBe(4);
    expect(a.activity.tails).toBe(1 + 4);
    expectTotals(a.activity.keepalive.tx, { packets: 4 * 2, bytes: 4 * (42 + 40) }); // PINGREQ + the device's ACK of PINGRESP
    expectTotals(a.activity.keepalive.rx, { packets: 4 * 1, bytes: 4 * 42 });
    expect(a.activity.keepalive.listenS).toBeCloseTo(4 * 0.03, 12); // one ack time each
    const r = projectPower(persistent(300, 60), settings('esp32-wifi', 'persistent'));
    expect(r.breakdownmJ.keepalive).toBeGreaterThan(0);
    // The report adds its PUBLISH (30 + 40 B, the broker ACKs it) to the keepalives; no handshake (one connection).
    expectTotals(r.perReport.tx, { packets: 1 + 8, bytes: 70 + 328 });
    expectTotals(r.perReport.rx, { packets: 1 + 4, bytes: 40 + 168 });
    expect(r.perReport.listenS).toBeCloseTo(0.03 + 4 * 0.03, 12);
  });

  it('uses the keepalive sizes the run measured when it saw some (AMQP heartbeats of 8 B)', () => {
    const wire = wireOf((log) => {
      log.opened();
      log.sent('data', 300, 10);
      log.sent('keepalive', 24, 3);
      log.received('keepalive', 24, 3);
    });
    const a = activityOf(persistent(120, 60, { wire }), 'persistent');
    expect(a.keepalives).toBe(1);
    expectTotals(a.activity.keepalive.rx, { packets: 1, bytes: 24 / 3 + 40 });
  });

  it('none when the report interval is shorter than the keepalive, and none in sleep sessions', () => {
    expect(activityOf(persistent(45, 60), 'persistent').keepalives).toBe(0);
    expect(projectPower(persistent(45, 60), settings('esp32-wifi', 'persistent')).breakdownmJ.keepalive).toBe(0);
    expect(activityOf(persistent(300, 60), 'sleep').keepalives).toBe(0);
  });

  it('a longer keepalive costs less per message', () => {
    const perMessage = (k: number): number =>
      projectPower(persistent(600, k), settings('esp32-wifi', 'persistent')).energyPerMessagemJ;
    expect(activityOf(persistent(600, 30), 'persistent').keepalives).toBe(19);
    expect(perMessage(120)).toBeLessThan(perMessage(30));
  });
});

describe('energy bookkeeping', () => {
  it('prices the UDP sleep report by hand on the CC2538', () => {
    const r = projectPower(coap(), settings('cc2538-802154', 'sleep'));
    // Airtime: 192 µs preamble + 8 × (bytes + 11 B MAC) / 250 kbit/s.
    const txS = 192e-6 + (8 * (67 + 11)) / 250_000; // 0.002688 s
    const rxS = 192e-6 + (8 * (36 + 11)) / 250_000; // 0.001696 s
    const listenS = 0.02; // every message acked after 20 ms
    const activeS = 0.001 + txS + rxS + listenS; // wake 1 ms, no tail
    const mC = 0.013 + 24 * txS + 20 * rxS + 20 * listenS + 0.0013 * (30 - activeS);
    expect(r.energyPerMessagemJ).toBeCloseTo(mC * 3, 12); // × 3 V: ≈ 1.6512 mJ
    expect(r.breakdownmJ.tx).toBeCloseTo(24 * txS * 3, 12);
    expect(r.breakdownmJ.idle).toBe(0);
  });

  it.each(Object.keys(PROFILES) as ProfileName[])('%s: breakdown, average power and battery life agree', (radio) => {
    for (const session of ['sleep', 'persistent'] as const) {
      const r = projectPower(
        mqttSleep(1, {
          ackMeanS: 0.04,
          acked: 15,
          connectMeanS: 0.1,
          reportIntervalS: 60,
          keepalive: { intervalS: 25, txBytes: 2, rxBytes: 2 },
        }),
        settings(radio, session),
      );
      const sum = Object.values(r.breakdownmJ).reduce((s, x) => s + x, 0);
      expect(Math.abs(sum - r.energyPerMessagemJ) / r.energyPerMessagemJ).toBeLessThan(1e-9);
      expect(r.averagePowermW * r.perReport.intervalS).toBeCloseTo(r.energyPerMessagemJ, 9);
      expect((r.averageCurrentuA / 1000) * PROFILES[radio].volts).toBeCloseTo(r.averagePowermW, 9); // mA × V = mW
      // 2500 mAh × 3 V × 3.6 = 27 000 J; days = J / W / 86 400.
      const days = (2500 * 3 * 3.6) / (r.averagePowermW / 1000) / 86_400;
      expect(Math.abs(r.batteryLifeDays - days) / days).toBeLessThan(1e-9);
      expect(r.batteryLifeYears).toBeCloseTo((r.batteryLifeDays * 24) / (24 * 365), 9);
    }
  });
});

describe('monotonicity', () => {
  it('more bytes or more packets per message never cost less, for every profile and session', () => {
    for (const radio of Object.keys(PROFILES) as ProfileName[]) {
      for (const session of ['sleep', 'persistent'] as const) {
        const cost = (packets: number, bytes: number): number =>
          projectPower(
            mqttSleep(1, {
              wire: wireOf((log) => {
                log.opened();
                log.sent('data', bytes, packets);
              }),
              messages: 1,
            }),
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
    expect(sleep.energyPerMessagemJ).toBeLessThan(persistent.energyPerMessagemJ);
    expect(persistent.breakdownmJ.idle).toBeGreaterThan(persistent.energyPerMessagemJ / 2);
  });
});

describe('wire totals', () => {
  it('WireLog counts connections, packets (1 by default), bytes and round trips (1 by default) by direction and kind', () => {
    const w = wireOf((log) => {
      log.opened();
      log.opened();
      log.sent('data', 30);
      log.sent('data', 50, 2);
      log.received('keepalive', 2);
      log.sent('handshake', 37, 2);
      log.waited('data');
      log.waited('handshake', 2);
      log.waited('data');
    });
    expect(w).toEqual({
      connections: 2,
      tx: {
        handshake: { packets: 2, bytes: 37 },
        data: { packets: 3, bytes: 80 },
        keepalive: { packets: 0, bytes: 0 },
      },
      rx: { handshake: { packets: 0, bytes: 0 }, data: { packets: 0, bytes: 0 }, keepalive: { packets: 1, bytes: 2 } },
      waits: { handshake: 2, data: 2, keepalive: 0 },
      secure: { full: 0, resumed: 0, tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, waits: 0 },
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
    b.secure = { full: 1, resumed: 2, tx: { packets: 3, bytes: 4 }, rx: { packets: 5, bytes: 6 }, waits: 7 };
    const a = wireOf((log) => {
      log.opened();
      log.opened();
      log.sent('data', 7);
      log.received('keepalive', 3);
      log.waited('keepalive');
    });
    a.secure.waits = 10;
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
      waits: { handshake: 1000, data: 2000, keepalive: 3001 },
      secure: { full: 1, resumed: 2, tx: { packets: 3, bytes: 4 }, rx: { packets: 5, bytes: 6 }, waits: 17 },
    });
    const e1 = emptyWire();
    addWire(e1, b);
    expect(emptyWire()).toEqual({
      connections: 0,
      tx: { handshake: { packets: 0, bytes: 0 }, data: { packets: 0, bytes: 0 }, keepalive: { packets: 0, bytes: 0 } },
      rx: { handshake: { packets: 0, bytes: 0 }, data: { packets: 0, bytes: 0 }, keepalive: { packets: 0, bytes: 0 } },
      waits: { handshake: 0, data: 0, keepalive: 0 },
      secure: { full: 0, resumed: 0, tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, waits: 0 },
    });
    expect(e1.tx.data).not.toBe(e1.rx.data);
    expect(e1.waits).not.toBe(b.waits);
    expect(e1.secure.tx).not.toBe(b.secure.tx);
  });
});
