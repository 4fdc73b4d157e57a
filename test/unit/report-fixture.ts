// The synthetic 10-minute result the report tests render (report-html.test.ts,
// report-power.test.ts): nine groups, realistic HDR histograms, three battery fleets with power.
import { seededRandom } from '../../src/dsl/schedule.ts';
import { createHistogram, encodeHistogram, type Histogram, recordUs, summarize } from '../../src/metrics/histogram.ts';
import type { PowerReport } from '../../src/power/report.ts';
import {
  type DeliveryResult,
  type FleetResult,
  RESULT_SCHEMA,
  type RunResult,
  type TimelinePoint,
} from '../../src/result/types.ts';

const random = seededRandom(42);

/** Log-normal latencies in µs around `medianUs`, with a heavy tail. */
function latencyHistogram(count: number, medianUs: number, sigma = 0.8): Histogram {
  const h = createHistogram();
  for (let i = 0; i < count; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    recordUs(h, medianUs * Math.exp(sigma * z));
  }
  return h;
}

export function power(session: 'persistent' | 'sleep', mJ: number, days: number): PowerReport {
  return {
    radio: 'cc2538-802154',
    source: 'TI CC2538 datasheet',
    overridden: [],
    link: {
      name: '802.15.4 (6LoWPAN border router)',
      source: 'fixture',
      rttMs: { low: 10, mid: 20, high: 60 },
      upBps: 250_000,
      downBps: 250_000,
      loss: 0,
      coverage: null,
    },
    battery: { label: '2xAA', mAh: 2500, volts: 3 },
    session,
    keepaliveS: session === 'sleep' ? null : 60,
    perReport: {
      intervalS: 30,
      tx: { packets: 2, bytes: 134 },
      rx: { packets: 1, bytes: 44 },
      handshakes: session === 'sleep' ? 1 : 0,
      keepalives: 0,
      roundTrips: session === 'sleep' ? 3 : 1,
      listenS: 0.004,
      radioOnS: 0.01,
    },
    measured: { ackMeanMs: 4, connectMeanMs: 6 },
    energyPerMessagemJ: mJ,
    keepalivemJ: 0,
    floormJ: session === 'sleep' ? mJ * 0.1 : mJ * 0.6,
    breakdownmJ: {
      wake: mJ * 0.1,
      handshake: session === 'sleep' ? mJ * 0.6 : 0,
      tx: mJ * 0.1,
      rx: mJ * 0.05,
      listen: mJ * 0.05,
      keepalive: 0,
      tail: 0,
      idle: session === 'sleep' ? 0 : mJ * 0.6,
      sleep: mJ * 0.1,
    },
    averagePowermW: mJ / 30,
    averageCurrentuA: (mJ / 30 / 3) * 1000,
    batteryLifeDays: days,
    batteryLifeYears: days / 365,
    band: { energyPerMessagemJ: [mJ * 0.95, mJ * 1.1], batteryLifeDays: [days * 0.9, days * 1.05] },
    sensitivity: [{ change: 'round trip ×2', energyPerMessagemJ: mJ * 1.2, batteryLifeDays: days * 0.85 }],
    setupmJ: session === 'sleep' ? null : 1.2,
  };
}

interface FleetSpec {
  kind: FleetResult['kind'];
  protocol: string;
  devices: number;
  /** Messages per device per second (senders). */
  rate?: number;
  ackUs?: number;
  power?: PowerReport;
}

/**
 * A 10-minute run (600 s of sending, one timeline point per second) of nine groups: GPS at
 * 200 msg/s, three battery fleets of different protocols on the same 30 s schedule, an
 * observer, commands to valves, and the embedded servers; HDR histograms of realistic sizes.
 */
export function syntheticResult(): RunResult {
  const RUN_S = 600;
  const specs: Record<string, FleetSpec> = {
    gps: { kind: 'fleet', protocol: 'mqtt', devices: 200, rate: 1 },
    temp: {
      kind: 'fleet',
      protocol: 'mqtt',
      devices: 50,
      rate: 1 / 30,
      ackUs: 2500,
      power: power('sleep', 2.93, 3200),
    },
    soil: { kind: 'fleet', protocol: 'coap', devices: 50, rate: 1 / 30, ackUs: 900, power: power('sleep', 0.96, 9770) },
    meters: {
      kind: 'fleet',
      protocol: 'http',
      devices: 50,
      rate: 1 / 30,
      ackUs: 1500,
      power: power('persistent', 55.1, 170),
    },
    valves: { kind: 'fleet', protocol: 'mqtt', devices: 10 },
    backend: { kind: 'observer', protocol: 'mqtt', devices: 1 },
    scada: { kind: 'command', protocol: 'mqtt', devices: 1, rate: 5, ackUs: 3000 },
    'coap-server': { kind: 'server', protocol: 'coap', devices: 1 },
    'http-server': { kind: 'server', protocol: 'http', devices: 1 },
  };
  const pairs: [string, string, DeliveryResult['mode'], string][] = [
    ['gps', 'backend', 'each', 'QoS 0 (at most once)'],
    ['temp', 'backend', 'each', 'QoS 1 (at least once)'],
    ['soil', 'coap-server', 'group', 'NON (non-confirmable: sent once, best effort)'],
    ['meters', 'http-server', 'group', 'HTTP request/response (acknowledged by the response, not retried)'],
    ['scada', 'valves', 'group', 'QoS 2 (exactly once)'],
  ];
  const histograms: Record<string, string> = {};
  const keep = (key: string, h: Histogram): Histogram => {
    histograms[key] = encodeHistogram(h);
    return h;
  };
  const fleets: Record<string, FleetResult> = {};
  const sent = (name: string): number => Math.round((specs[name]?.devices ?? 0) * (specs[name]?.rate ?? 0) * RUN_S);
  for (const [name, s] of Object.entries(specs)) {
    const n = sent(name);
    const received = pairs.filter(([, to]) => to === name).reduce((sum, [from]) => sum + sent(from), 0);
    const latency: FleetResult['latency'] = {};
    if (s.kind !== 'server')
      latency.connect = summarize(
        keep(`${name}|connect`, latencyHistogram(s.devices * (s.power?.session === 'sleep' ? n / s.devices : 1), 4000)),
      );
    if (s.ackUs)
      latency.ack = {
        corrected: summarize(keep(`${name}|ack`, latencyHistogram(n, s.ackUs * 1.2))),
        service: summarize(keep(`${name}|ack_service`, latencyHistogram(n, s.ackUs))),
      };
    if (name === 'scada')
      latency.rtt = {
        corrected: summarize(keep('scada|rtt', latencyHistogram(n, 5000))),
        service: summarize(keep('scada|rtt_service', latencyHistogram(n, 4200))),
      };
    fleets[name] = {
      kind: s.kind,
      protocol: s.protocol,
      target: s.protocol,
      count: s.devices,
      devicesRun: s.devices,
      devices: {
        peakConnected: s.devices,
        connects: s.devices,
        connectFailed: 0,
        disconnects: 0,
        faulted: 0,
        reconnectAttempts: 0,
        reconnects: 0,
        unrecovered: 0,
        downtimeS: 0,
      },
      messages: {
        sent: n,
        acked: s.ackUs ? n : 0,
        late: 3,
        dropped: name === 'gps' ? 12 : 0,
        oversize: 0,
        received,
        unstamped: 0,
        repliesSent: 0,
        repliesReceived: 0,
        unsent: 0,
        inDoubt: 0,
        resent: 0,
      },
      rates: { sentPerS: +(n / RUN_S).toFixed(2), receivedPerS: +(received / RUN_S).toFixed(2) },
      bytes: {
        sent: n * 80,
        received: received * 60,
        sentPerMessage: n ? 80 : null,
        receivedPerMessage: received ? 60 : null,
        sentPerDelivered: n ? 80 : null,
        perDevice: {
          sent: (n * 80) / s.devices,
          received: (received * 60) / s.devices,
          minSent: 0,
          maxSent: 0,
          minReceived: 0,
          maxReceived: 0,
        },
      },
      latency,
      ...(s.power
        ? {
            power: s.power,
            wire: {
              connections: 0,
              tx: {
                handshake: { packets: 0, bytes: 0 },
                data: { packets: n, bytes: n * 80 },
                keepalive: { packets: 0, bytes: 0 },
              },
              rx: {
                handshake: { packets: 0, bytes: 0 },
                data: { packets: n, bytes: n * 4 },
                keepalive: { packets: 0, bytes: 0 },
              },
              waits: { handshake: 0, data: n, keepalive: 0 },
              secure: { full: 0, resumed: 0, tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, waits: 0 },
            },
          }
        : {}),
    };
  }
  const delivery: DeliveryResult[] = pairs.map(([from, to, mode, label]) => {
    const n = sent(from);
    const lost = from === 'gps' ? 25 : 0;
    const corrected = keep(`${from}>${to}|e2e`, latencyHistogram(n - lost, 1800));
    const service = keep(`${from}>${to}|e2e_service`, latencyHistogram(n - lost, 1400));
    return {
      from,
      to,
      mode,
      promise: { label, short: label, noLoss: from !== 'gps' && from !== 'soil', noDuplicates: true },
      receivers: mode === 'group' ? (specs[to]?.devices ?? 1) : 1,
      sent: n,
      expected: n,
      received: n - lost,
      unique: n - lost,
      lost,
      duplicated: 0,
      outOfOrder: from === 'gps' ? 4 : 0,
      lossRate: lost / n,
      latency: { corrected: summarize(corrected), service: summarize(service) },
      verdict: { kept: true, violations: [] },
      issues:
        from === 'gps'
          ? [
              {
                stream: 'gps#17',
                receiver: 'backend#0',
                sent: 600,
                received: 575,
                lost: 25,
                duplicated: 0,
                outOfOrder: 4,
              },
            ]
          : [],
      issueCount: from === 'gps' ? 1 : 0,
      unsent: 0,
      inDoubt: 0,
      resent: 0,
    };
  });
  const timeline: TimelinePoint[] = [];
  const phaseAt = (t: number): TimelinePoint['phase'] =>
    t <= 10 ? 'connect' : t <= 10 + RUN_S ? 'run' : t <= 12 + RUN_S ? 'drain' : 'done';
  for (let t = 1; t <= RUN_S + 13; t++) {
    const phase = phaseAt(t);
    const point: TimelinePoint = { t, phase, fleets: {}, latency: {} };
    for (const [name, s] of Object.entries(specs)) {
      const perS = phase === 'run' ? Math.round(s.devices * (s.rate ?? 0) * (0.9 + 0.2 * random())) : 0;
      point.fleets[name] = {
        connected: phase === 'done' ? 0 : s.devices,
        sent: perS,
        acked: s.ackUs ? perS : 0,
        received: 0,
        dropped: 0,
        errors: 0,
        disconnects: 0,
        unsent: 0,
      };
    }
    for (const [from, to] of pairs) {
      const perS = point.fleets[from]?.sent ?? 0;
      const r = point.fleets[to];
      if (r) r.received += perS;
      if (perS > 0) {
        const p50 = Math.round(1500 + 500 * random());
        point.latency[`${from}>${to}|e2e`] = { count: perS, p50, p99: p50 * 8, max: p50 * 12 };
        point.latency[`${from}>${to}|e2e_service`] = { count: perS, p50: p50 - 300, p99: p50 * 6, max: p50 * 10 };
        if (specs[from]?.ackUs) {
          point.latency[`${from}|ack`] = { count: perS, p50, p99: p50 * 5, max: p50 * 9 };
          point.latency[`${from}|ack_service`] = { count: perS, p50: p50 - 200, p99: p50 * 4, max: p50 * 8 };
        }
      }
    }
    timeline.push(point);
  }
  return {
    schema: RESULT_SCHEMA,
    scenario: { name: 'ten-minutes', file: 'scenarios/ten-minutes.ts', hash: '0123456789abcdef' },
    run: {
      id: 'a1b2c3',
      startedAt: '2026-11-23T10:00:00.000Z',
      endedAt: '2026-11-23T10:10:13.000Z',
      elapsedMs: 613_000,
      durationMs: 600_000,
      partial: false,
      partialReason: null,
      seed: 7,
      workers: 2,
      shard: { index: 0, count: 1 },
    },
    environment: { fleetbench: '0.1.0', node: 'v20.19.0', platform: 'linux-x64', cpus: 2, memoryBytes: 8 * 2 ** 30 },
    targets: {
      mqtt: 'mqtt://user:****@broker.example:1883',
      coap: 'embedded coap (coap://127.0.0.1:5683)',
      http: 'embedded http (http://127.0.0.1:8080)',
    },
    fleets,
    delivery,
    warnings: [],
    servers: {},
    errors: [
      {
        group: 'gps',
        code: 'FB_CONNECT_REJECTED:134',
        count: 3,
        message: 'broker refused the connection: bad user name or password (reason code 0x86)',
      },
      { group: 'temp', code: 'mqtt.connection_lost', count: 1, message: 'connection lost: ECONNRESET' },
    ],
    codes: {
      'gps|dropped|window_full': 12,
      'temp|puback|0': 29_990,
      'temp|puback|16': 10,
      'soil|response|2.04': 1000,
      'soil|response|4.04': 2,
      'valves|suback|2': 10,
    },
    timeline,
    histograms,
  };
}
