// The MQTT catalogue, part B (issue 19): MQTT 5 limits, subscription options and properties, the
// Will Delay Interval, keep alive enforcement and session takeover, run as probes against real
// peers, one matrix for the whole file. The cells asserted are the known ones:
//  - Mosquitto 2.0.11 (127.0.0.1:1883) honours No Local, Retain As Published, Retain Handling,
//    Subscription Identifiers, the Payload Format Indicator, the client's Maximum Packet Size,
//    its own Topic Alias Maximum and the Will Delay Interval, but exceeds the client's Receive
//    Maximum while it drains a resumed session [MQTT-3.3.4-9], and closes a taken-over MQTT 5
//    connection without DISCONNECT 0x8E; it announces no Maximum Packet Size (n/a).
//  - The strict peer (test/helpers/strict-mqtt.ts), announcing Receive Maximum 2, Topic Alias
//    Maximum 2, Maximum Packet Size 256, Maximum QoS 1 and Retain Available 0, accepts what is
//    within them and closes the connection on what is beyond; a second one, announcing no
//    wildcard or shared subscriptions, refuses them.
//  - Keep alive: aedes (embedded) closes a silent 1 s client after 1.5 s; NATS after 1.0 s, too
//    soon (it rounds 1.5 × 1 s down to whole seconds); RabbitMQ after about 3 s, too late.
//  - RabbitMQ's MQTT plugin speaks 3.1.1 only here: its MQTT 5 rows are n/a.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeMatrix } from '../../src/probe/matrix.ts';
import type { Cell } from '../../src/probe/verdict.ts';
import { type NatsMqtt, startNatsMqtt } from '../helpers/nats-mqtt.ts';
import { cellOf, probeMatrix, showCell } from '../helpers/probes.ts';
import { type StrictMqttThread, startStrictMqttThread } from '../helpers/strict-mqtt-thread.ts';

const MOSQUITTO = 'mosquitto=mqtt://127.0.0.1:1883';
const RABBITMQ = 'rabbitmq=mqtt://guest:guest@127.0.0.1:1884';

/** Rows by target: each target runs only the rows whose cells are asserted. */
const ROWS = {
  mosquitto: [
    'limits-receive-maximum@',
    'limits-maximum-qos@',
    'subopt-no-local@',
    'subopt-retain-as-published@',
    'subopt-retain-handling@',
    'subopt-subscription-id@',
    'payload-format@',
    'will-delay@',
    'disconnect-takeover@5.0',
  ],
  strict: [
    'limits-receive-maximum-broker@',
    'limits-maximum-packet-size-broker@',
    'limits-topic-alias@',
    'limits-maximum-qos@',
    'limits-retain-available@',
    'keepalive@5.0',
  ],
  nowild: ['limits-wildcard@', 'limits-shared@'],
  keepalive: ['keepalive@3.1.1'],
  rabbitmq: ['keepalive@3.1.1', 'subopt-no-local@'],
};

describe('probes: MQTT 5 limits, subscription options, will delay, keep alive, takeover', () => {
  // In threads of their own: this thread runs the runner of every probe run of the file.
  let strict: StrictMqttThread;
  let nowild: StrictMqttThread;
  let nats: NatsMqtt;
  const m: Record<string, ProbeMatrix> = {};

  beforeAll(async () => {
    strict = await startStrictMqttThread({
      ackDelayMs: 30,
      connack: {
        receiveMaximum: 2,
        topicAliasMaximum: 2,
        maximumPacketSize: 256,
        maximumQoS: 1,
        retainAvailable: false,
      },
    });
    nowild = await startStrictMqttThread({
      connack: { wildcardSubscriptionAvailable: false, sharedSubscriptionAvailable: false },
    });
    nats = await startNatsMqtt();
    // One matrix per set of rows, all at once: the runs mostly wait (durations, keep alives).
    const [a, b, c, d, e] = await Promise.all([
      probeMatrix({ targets: [MOSQUITTO], only: ROWS.mosquitto, parallel: 5 }),
      probeMatrix({ targets: [`strict=${strict.url}`], only: ROWS.strict, parallel: 3 }),
      probeMatrix({ targets: [`nowild=${nowild.url}`], only: ROWS.nowild, parallel: 1 }),
      probeMatrix({ targets: ['embedded:mqtt', `nats=${nats.url}`], only: ROWS.keepalive, parallel: 2 }),
      probeMatrix({ targets: [RABBITMQ], only: ROWS.rabbitmq, parallel: 1 }),
    ]);
    Object.assign(m, { mosquitto: a, strict: b, nowild: c, keepalive: d, rabbitmq: e });
  }, 180_000);

  afterAll(async () => {
    await strict?.close();
    await nowild?.close();
    await nats?.stop();
  });

  const cell = (set: string, row: string, target: string) => cellOf(m[set] as ProbeMatrix, `mqtt/${row}`, target);

  /** The keep alive cell closed the silent device, and no sooner than 1.5 × Keep Alive. */
  function expectClosedNoSooner(c: Cell): void {
    expect(
      c.status === 'pass' || /^quiet\.idle_close_latency: measured [\d.]+s, limit <= 2\.50s$/.test(c.seen),
      showCell(c),
    ).toBe(true);
  }

  it('Mosquitto honours the MQTT 5 subscription options and properties', () => {
    for (const row of [
      'subopt-no-local@5.0',
      'subopt-retain-as-published@5.0',
      'subopt-retain-handling@5.0',
      'subopt-subscription-id@5.0',
      'payload-format@5.0',
      'will-delay@5.0',
    ]) {
      const c = cell('mosquitto', row, 'mosquitto');
      expect(c.status, `${row}: ${showCell(c)}`).toBe('pass');
    }
    expect(cell('mosquitto', 'subopt-retain-as-published@5.0', 'mosquitto').seen).toContain(
      'rap.code(publish|retain=1): rate == 1 (1 (100%))',
    );
    expect(cell('mosquitto', 'subopt-subscription-id@5.0', 'mosquitto').seen).toContain(
      'tagged.code(publish|subscription_id=42): rate == 1 (1 (100%))',
    );
  });

  it("Mosquitto exceeds the client's Receive Maximum while draining a resumed session", () => {
    const c = cell('mosquitto', 'limits-receive-maximum@5.0', 'mosquitto');
    expect(c.status, showCell(c)).toBe('fail');
    expect(c.seen).toMatch(/protocol_errors: slow \d+× a QoS 1\/2 delivery beyond the device's Receive Maximum/);
  });

  it('Mosquitto closes a taken-over MQTT 5 connection without DISCONNECT 0x8E; it announces no Maximum QoS', () => {
    const takeover = cell('mosquitto', 'disconnect-takeover@5.0', 'mosquitto');
    expect(takeover.status, showCell(takeover)).toBe('fail');
    expect(takeover.seen).toMatch(/^first\.code\(disconnect\|142\): measured 0, limit == 1(;|$)/);
    const qos = cell('mosquitto', 'limits-maximum-qos@5.0', 'mosquitto');
    expect(showCell(qos)).toBe('na: the broker announced no Maximum QoS: it takes QoS 2');
  });

  it('the strict peer accepts what is within the limits it announced and closes the connection on what is beyond', () => {
    for (const row of [
      'limits-receive-maximum-broker@5.0',
      'limits-maximum-packet-size-broker@5.0',
      'limits-topic-alias@5.0',
      'limits-maximum-qos@5.0',
      'limits-retain-available@5.0',
    ]) {
      const c = cell('strict', row, 'strict');
      expect(c.status, `${row}: ${showCell(c)}`).toBe('pass');
    }
    // In this process, as aedes below: a busy machine may delay its close, never hasten it.
    expectClosedNoSooner(cell('strict', 'keepalive@5.0', 'strict'));
    expect(cell('strict', 'limits-maximum-packet-size-broker@5.0', 'strict').seen).toBe(
      'big.code(beyond|packet_too_large): count == 1 (1); big.disconnects: count >= 1 (1)',
    );
    for (const row of ['limits-wildcard@5.0', 'limits-shared@5.0']) {
      const c = cell('nowild', row, 'nowild');
      expect(c.status, `${row}: ${showCell(c)}`).toBe('pass');
    }
  });

  it('keep alive: aedes closes a silent client after 1.5 × Keep Alive, NATS too soon, RabbitMQ late', () => {
    // aedes runs in this test's process: a busy machine delays its timers, so only the lower bound is asserted.
    expectClosedNoSooner(cell('keepalive', 'keepalive@3.1.1', 'embedded-mqtt'));
    const natsCell = cell('keepalive', 'keepalive@3.1.1', 'nats');
    expect(natsCell.status, showCell(natsCell)).toBe('fail');
    expect(natsCell.seen).toMatch(/quiet\.idle_close_latency: measured 1\.0\ds, limit >= 1\.49s/);
    const rabbit = cell('rabbitmq', 'keepalive@3.1.1', 'rabbitmq');
    expect(rabbit.status, showCell(rabbit)).toBe('fail');
    expect(rabbit.seen).toMatch(/quiet\.idle_close_latency: measured [23]\.\d+s, limit <= 2\.50s/);
  });

  it("RabbitMQ's MQTT plugin does not speak MQTT 5 here: n/a", () => {
    expect(showCell(cell('rabbitmq', 'subopt-no-local@5.0', 'rabbitmq'))).toBe(
      'na: MQTT 5 refused: the broker closed the connection on the CONNECT',
    );
  });
});
