// The power model against its two published reference cases (design notes, power-reference.md)
// and its properties. The activities are built from protocol byte rules and the profile; the
// published totals are only compared against, never fed in.
import { generate } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  type Activity,
  coapConTransmissions,
  estimatePower,
  mqttConnectBytes,
  mqttPublishBytes,
  mqttSleepReport,
  noExchange,
  PROFILES,
  parseBattery,
  TWO_AA,
  UDP_IP_BYTES,
} from '../../src/power/index.ts';

const within = (actual: number, expected: number, fraction: number): void => {
  expect(Math.abs(actual - expected) / expected, `${actual} vs ${expected}`).toBeLessThanOrEqual(fraction);
};

describe('reference case 1: nRF9160, LTE-M, UDP, PSM (Nordic power_nrf9160.rst)', () => {
  // One 120-byte UDP report an hour; between reports the modem is in PSM.
  const hourly = (payload: number): Activity => ({
    windowS: 3600,
    session: 'sleep',
    wakes: 1,
    tails: 1,
    handshake: noExchange(),
    data: { tx: { packets: 1, bytes: payload + UDP_IP_BYTES }, rx: { packets: 0, bytes: 0 }, listenS: 0 },
    keepalive: noExchange(),
    messages: 1,
  });
  const profile = PROFILES['nrf9160-ltem'];

  it('charges 116.57 mC per 120-byte transmission and 115.06 mC per 40-byte one (within 5%)', () => {
    // The event charge is the window's charge minus the PSM floor over the rest of the hour.
    const event = (payload: number): number => {
      const e = estimatePower(hourly(payload), profile, { mAh: 1000, volts: profile.volts });
      return e.chargemC - profile.sleepmA * (3600 - e.activeS);
    };
    within(event(120), 116.57, 0.05);
    within(event(40), 115.06, 0.05);
    // The tail dominates, as Nordic found: 93.82 mC of it is the 11 s after the transmission.
    const e = estimatePower(hourly(40), profile, { mAh: 1000, volts: profile.volts });
    within((e.breakdownJ.tail / profile.volts) * 1000, 93.82, 0.05);
    within(e.activeS, 12.32, 0.05);
  });

  it('gives 3.18 years on 1000 mAh', () => {
    const e = estimatePower(hourly(120), profile, { mAh: 1000, volts: profile.volts });
    within(e.batteryLifeYears, 3.18, 0.05);
    within(e.batteryLifeH, 27_917, 0.05);
  });
});

describe('reference case 2: ESP32 deep sleep → Wi-Fi (static IP) → MQTT QoS 0 publish → deep sleep', () => {
  it('costs ≈ 0.543 J per cycle measured at 5 V (within 5%), association ≈ 92% of it', () => {
    // The published cycle: CONNECT with user and password, a 15-byte topic, a 6-byte payload,
    // DISCONNECT. The broker is on the LAN: a 10 ms round trip (assumption).
    const { handshake, data } = mqttSleepReport({
      clientId: 'esp32-sensor',
      username: 'user',
      password: 'password',
      topic: 'sensors/esp32/t',
      payloadBytes: 6,
      qos: 0,
      rttS: 0.01,
    });
    const profile = { ...PROFILES['esp32-wifi'], volts: 5 };
    const cycle: Activity = {
      windowS: 0.774,
      session: 'sleep',
      wakes: 1,
      tails: 1,
      handshake,
      data,
      keepalive: noExchange(),
      messages: 1,
    };
    const e = estimatePower(cycle, profile, { mAh: 2400, volts: 5 });
    within(e.energyJ, 0.543, 0.05);
    within(e.breakdownJ.wake / e.energyJ, 0.92, 0.05);
    // The MQTT session itself (handshakes, publish, listening, tail) adds about 8.4 mC (published).
    const sessionmC = ((e.energyJ - e.breakdownJ.wake - e.breakdownJ.sleep) / 5) * 1000;
    expect(sessionmC).toBeGreaterThan(4);
    expect(sessionmC).toBeLessThan(10);
  });
});

describe('properties', () => {
  const mqttReports = (intervalS: number, session: 'sleep' | 'persistent', windowS = 86_400): Activity => {
    const reports = Math.floor(windowS / intervalS);
    const { handshake, data } = mqttSleepReport({
      clientId: 'dev-1',
      topic: 'site/1/t',
      payloadBytes: 24,
      qos: 1,
      rttS: 0.03,
    });
    const times = (x: typeof data, n: number) => ({
      tx: { packets: x.tx.packets * n, bytes: x.tx.bytes * n },
      rx: { packets: x.rx.packets * n, bytes: x.rx.bytes * n },
      listenS: x.listenS * n,
    });
    return {
      windowS,
      session,
      wakes: session === 'sleep' ? reports : 0,
      tails: reports,
      handshake: session === 'sleep' ? times(handshake, reports) : times(handshake, 1),
      data: times(data, reports),
      keepalive: noExchange(),
      messages: reports,
    };
  };

  it('more frequent reports never extend battery life, for every profile and both session modes', () => {
    for (const profile of Object.values(PROFILES)) {
      for (const session of ['sleep', 'persistent'] as const) {
        const lives = [10, 30, 60, 300, 900, 3600].map(
          (s) => estimatePower(mqttReports(s, session), profile, TWO_AA).batteryLifeH,
        );
        for (let i = 1; i < lives.length; i++)
          expect(lives[i], `${profile.name} ${session}`).toBeGreaterThanOrEqual(lives[i - 1] as number);
      }
    }
  });

  it('a longer keepalive lowers the persistent idle cost', () => {
    const profile = PROFILES['esp32-wifi'];
    const windowS = 3600;
    const cost = (keepaliveS: number): number => {
      const pings = Math.floor(windowS / keepaliveS);
      // PINGREQ and PINGRESP are 2 bytes each (§3.12, §3.13), plus TCP/IP; one RTT listened for each.
      const keepalive = {
        tx: { packets: pings, bytes: pings * 42 },
        rx: { packets: pings, bytes: pings * 42 },
        listenS: pings * 0.01,
      };
      const a: Activity = {
        windowS,
        session: 'persistent',
        wakes: 0,
        tails: pings,
        handshake: noExchange(),
        data: noExchange(),
        keepalive,
        messages: 0,
      };
      return estimatePower(a, profile, TWO_AA).energyJ;
    };
    const costs = [15, 30, 60, 120, 300, 1200].map(cost);
    for (let i = 1; i < costs.length; i++) expect(costs[i]).toBeLessThan(costs[i - 1] as number);
  });

  it('sleep-mode MQTT costs more per report than CoAP NON on the same radio (the handshakes)', () => {
    const profile = PROFILES['cc2538-802154'];
    const mqtt = estimatePower(mqttReports(30, 'sleep', 3600), profile, TWO_AA);
    const reports = 120;
    // A CoAP NON POST of 24 bytes: 4 header + 4 token + ~10 options + 1 marker + 24, plus UDP/IP.
    const coap: Activity = {
      windowS: 3600,
      session: 'sleep',
      wakes: reports,
      tails: reports,
      handshake: noExchange(),
      data: {
        tx: { packets: reports, bytes: reports * (43 + UDP_IP_BYTES) },
        rx: { packets: 0, bytes: 0 },
        listenS: 0,
      },
      keepalive: noExchange(),
      messages: reports,
    };
    const non = estimatePower(coap, profile, TWO_AA);
    expect(mqtt.energyPerMessagemJ as number).toBeGreaterThan(non.energyPerMessagemJ as number);
    expect(mqtt.breakdownJ.handshake).toBeGreaterThan(0);
    expect(non.breakdownJ.handshake).toBe(0);
  });

  it('CoAP CON expected transmissions under loss p are (1 − p⁵)/(1 − p), as an enumeration of outcomes gives', () => {
    for (const p of [0, 0.01, 0.1, 0.25, 0.5, 0.9]) {
      // k transmissions: the first k − 1 lost and the k-th delivered, or all 5 lost (MAX_RETRANSMIT 4).
      let expected = 0;
      for (let k = 1; k <= 4; k++) expected += k * p ** (k - 1) * (1 - p);
      expected += 5 * p ** 4;
      expect(coapConTransmissions(p)).toBeCloseTo(expected, 12);
      if (p > 0) expect(coapConTransmissions(p)).toBeCloseTo((1 - p ** 5) / (1 - p), 12);
    }
  });
});

describe('byte accounting agrees with MQTT.js own encoder', () => {
  it('CONNECT and PUBLISH sizes', () => {
    const connect = generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      clientId: 'esp32-sensor',
      username: 'user',
      password: Buffer.from('password'),
    });
    expect(mqttConnectBytes('esp32-sensor', 'user', 'password')).toBe(connect.length);
    for (const qos of [0, 1, 2] as const) {
      const publish = generate({
        cmd: 'publish',
        topic: 'sensors/esp32/t',
        payload: Buffer.alloc(6),
        qos,
        dup: false,
        retain: false,
        ...(qos > 0 ? { messageId: 1 } : {}),
      });
      expect(mqttPublishBytes('sensors/esp32/t', 6, qos)).toBe(publish.length);
    }
    const big = generate({
      cmd: 'publish',
      topic: 't',
      payload: Buffer.alloc(300),
      qos: 1,
      dup: false,
      retain: false,
      messageId: 1,
    });
    expect(mqttPublishBytes('t', 300, 1)).toBe(big.length);
  });
});

describe('batteries', () => {
  it.each([
    ['2400mAh', { mAh: 2400, volts: 3.3 }],
    ['2xAA', { mAh: 2500, volts: 3.0 }],
    [
      { mAh: 1000, volts: 3.6 },
      { mAh: 1000, volts: 3.6 },
    ],
    [{ mAh: 1000 }, { mAh: 1000, volts: 3.3 }],
  ])('%j', (raw, expected) => {
    expect(parseBattery(raw, 3.3)).toEqual(expected);
  });
  it.each(['lots', { mAh: -1 }, { mAh: 10, volts: 0 }, 5])('rejects %j with an expectation', (raw) => {
    expect(typeof parseBattery(raw, 3.3)).toBe('string');
  });
});
