// Fixtures for the power projection tests: measured traffic built packet by packet.
import { expect } from 'vitest';
import { type PacketTotals, PROFILES, type ProfileName, type Timeline, TWO_AA } from '../../src/power/index.ts';
import type { Counted, MeasuredTraffic, PowerSettings } from '../../src/power/project.ts';
import { emptyWire, WireLog, type WireTotalsByKind } from '../../src/power/wire.ts';

export const RADIOS = Object.keys(PROFILES) as ProfileName[];
export const wireOf = (fill: (log: WireLog) => void): WireTotalsByKind => {
  const log = new WireLog();
  fill(log);
  return log.totals;
};
export const traffic = (over: Partial<MeasuredTraffic>): MeasuredTraffic => ({
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
export const settings = (radio: ProfileName, session: 'persistent' | 'sleep', rai = false): PowerSettings => ({
  profile: PROFILES[radio],
  battery: TWO_AA,
  batteryLabel: '2xAA',
  session,
  overridden: [],
  coverage: PROFILES[radio].defaultCoverage,
  rai,
});
export const rttS = (radio: ProfileName): number => PROFILES[radio].link.rttMs.mid / 1000;
export const reportOf = (c: Counted): NonNullable<Timeline['report']> => {
  expect(c.timeline.report).not.toBeNull();
  return c.timeline.report!;
};
/** Per-report figures are totals divided by counts: compare them to 9 decimals. */
export const expectTotals = (actual: PacketTotals, expected: PacketTotals): void => {
  expect(actual.packets, 'packets').toBeCloseTo(expected.packets, 9);
  expect(actual.bytes, 'bytes').toBeCloseTo(expected.bytes, 9);
};

// A CoAP-like UDP fleet: 10 CON messages of 39 B out, 10 ACKs of 8 B in, one round trip each.
export const coap = (over: Partial<MeasuredTraffic> = {}): MeasuredTraffic =>
  traffic({
    transport: 'udp',
    devices: 2,
    messages: 10,
    acked: 10,
    ackMeanS: 0.02,
    wire: wireOf((log) => [log.sent('data', 390, 10), log.received('data', 80, 10), log.waited('data', 10)]),
    ...over,
  });

// MQTT over TCP in sleep sessions: each of 15 reports opens a connection and sends CONNECT (35 B)
// and DISCONNECT (2 B), waits for CONNACK (4 B), publishes 35 B; QoS 1 also waits for a 4 B PUBACK.
export const mqttSleep = (qos: 0 | 1, over: Partial<MeasuredTraffic> = {}): MeasuredTraffic =>
  traffic({
    devices: 3,
    messages: 15,
    acked: qos === 1 ? 15 : 0,
    wire: wireOf((log) => {
      for (let i = 0; i < 15; i++) {
        log.opened();
        log.sent('handshake', 35);
        log.sent('handshake', 2);
        log.received('handshake', 4);
        log.waited('handshake');
        log.sent('data', 35);
        if (qos === 1) {
          log.received('data', 4);
          log.waited('data');
        }
      }
    }),
    ...over,
  });
