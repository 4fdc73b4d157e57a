// The power model end to end: fleets that declare `power` really perform their session on the
// wire (a sleep-mode MQTT device connects, publishes, waits for PUBACK and disconnects for
// every reading, and the broker, behind a counting forwarder, sees exactly that), and the
// result prices what they did. The shoot-out scenario runs on the embedded defaults plus the
// machine's RabbitMQ.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { summary } from '../../src/cli/summary.ts';
import { run } from '../../src/index.ts';
import { mqttConnectBytes, mqttPublishBytes } from '../../src/power/index.ts';
import { renderReport } from '../../src/report/html.ts';
import type { RunResult } from '../../src/result/types.ts';
import { MOSQUITTO_URL, portOpen } from '../helpers/brokers.ts';
import { countingForwarder } from '../helpers/forwarder.ts';
import { DRAIN, runCli, writeScenario } from '../helpers/scenario.ts';

const DEVICES = 4;
const READINGS = 5;
const TOTAL = DEVICES * READINGS;

describe('power: sessions on the wire and their cost', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('sleep-mode MQTT connects, publishes and disconnects per reading and costs more than CoAP NON, with the bytes that explain it', async () => {
    const fwd = await countingForwarder(Number(new URL(MOSQUITTO_URL).port));
    cleanup.push(() => fwd.close());
    const file = writeScenario(
      'power-sleep',
      `export default defineScenario({
        name: 'power-sleep', duration: '5s', drain: '${DRAIN}',
        targets: { mqtt: 'mqtt://127.0.0.1:${fwd.port}', direct: '${MOSQUITTO_URL}' },
        fleets: {
          mqttSleep: { count: ${DEVICES}, protocol: mqtt({ qos: 1, clientId: 'pw-{run}-{id}' }), topic: 'power/{run}/{id}', send: every('300ms'), messages: ${READINGS}, payload: bytes(24),
            power: { radio: 'cc2538-802154', session: 'sleep', battery: '2xAA' } },
          coapNon: { count: ${DEVICES}, protocol: coap({ type: 'NON', method: 'POST' }), path: '/power/{id}', send: every('300ms'), messages: ${READINGS}, payload: bytes(24),
            power: { radio: 'cc2538-802154', session: 'sleep', battery: '2xAA' } },
        },
        observers: { backend: { protocol: mqtt({ qos: 1, target: 'direct' }), receives: ['mqttSleep'] } },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 2, write: false });
    const m = result.fleets.mqttSleep!;
    const c = result.fleets.coapNon!;
    expect(m.messages).toMatchObject({ sent: TOTAL, acked: TOTAL, dropped: 0 });
    expect(c.messages).toMatchObject({ sent: TOTAL, dropped: 0 });
    for (const from of ['mqttSleep', 'coapNon']) {
      const d = result.delivery.find((x) => x.from === from)!;
      expect(d).toMatchObject({ expected: TOTAL, unique: TOTAL, lost: 0 });
    }

    // The broker saw one connection per reading (plus the preflight's), and every byte the devices counted.
    expect(fwd.counts.connections).toBe(1 + TOTAL);
    expect(m.latency.connect!.count).toBe(TOTAL);
    expect(m.devices.connects).toBe(TOTAL);
    const w = m.wire!;
    expect(w.connections).toBe(TOTAL);
    const run1 = result.run.id;
    const connect = (id: number): number => mqttConnectBytes(`pw-${run1}-${id}`);
    // The preflight's own session (CONNECT, CONNACK, DISCONNECT) crossed the forwarder too.
    const preflight = { up: mqttConnectBytes(`fb-${run1}-check-0`) + 2, down: 4 };
    const sum = (d: typeof w.tx): number => d.handshake.bytes + d.data.bytes + d.keepalive.bytes;
    expect(sum(w.tx) + preflight.up).toBe(fwd.counts.up);
    expect(sum(w.rx) + preflight.down).toBe(fwd.counts.down);
    expect(m.bytes.sent).toBe(sum(w.tx));

    // Packet by packet (MQTT 3.1.1): CONNECT and DISCONNECT out, CONNACK in; PUBLISH out, PUBACK in.
    const connects = Array.from({ length: DEVICES }, (_, i) => READINGS * (connect(i) + 2)).reduce((a, b) => a + b, 0);
    expect(w.tx.handshake).toEqual({ packets: 2 * TOTAL, bytes: connects });
    expect(w.rx.handshake).toEqual({ packets: TOTAL, bytes: 4 * TOTAL });
    const publish = mqttPublishBytes(`power/${run1}/0`, 24, 1);
    expect(w.tx.data).toEqual({ packets: TOTAL, bytes: TOTAL * publish });
    expect(w.rx.data).toEqual({ packets: TOTAL, bytes: 4 * TOTAL });
    // Round trips: CONNACK per session, PUBACK per reading (MQTT §3.2, §3.4).
    expect(w.waits).toEqual({ handshake: TOTAL, data: TOTAL, keepalive: 0 });

    // CoAP: one datagram each way per reading, no connection.
    expect(c.wire!.connections).toBe(0);
    expect(c.wire!.tx.data.packets).toBe(TOTAL);
    expect(c.wire!.tx.handshake.bytes).toBe(0);
    // The embedded server answers each NON request with a NON response (RFC 7252 §5.2.3): one wait each.
    expect(c.wire!.waits).toEqual({ handshake: 0, data: TOTAL, keepalive: 0 });

    const pm = m.power!;
    const pc = c.power!;
    expect(pm.perReport.handshakes).toBe(1);
    expect(pc.perReport.handshakes).toBe(0);
    expect(pm.breakdownmJ.handshake).toBeGreaterThan(0);
    expect(pc.breakdownmJ.handshake).toBe(0);
    // Per reading, MQTT sleep sends the handshake on top of its publish: CONNECT + DISCONNECT,
    // TCP's SYN/ACK/FIN/ACK (40 B each) and the PUBLISH's own headers.
    expect(pm.perReport.tx.bytes - pc.perReport.tx.bytes).toBeGreaterThan(connect(0) + 2 + 4 * 40);
    expect(pm.perReport.tx.packets).toBeGreaterThanOrEqual(7);
    expect(pc.perReport.tx.packets).toBe(1);
    expect(pm.energyPerMessagemJ).toBeGreaterThan(pc.energyPerMessagemJ);
    expect(pm.batteryLifeDays).toBeLessThan(pc.batteryLifeDays);
    // The energies add up: the report event, the keepalives and the floor of one interval.
    const total = (p: typeof pm): number => Object.values(p.breakdownmJ).reduce((a, b) => a + b, 0);
    expect(total(pm)).toBeCloseTo(pm.energyPerMessagemJ + pm.keepalivemJ + pm.floormJ, 6);
    // Waits are priced at the link's round trip, never this run's: 3 per reading (TCP, CONNACK, PUBACK).
    expect(pm.perReport.roundTrips).toBe(3);
    expect(pm.perReport.listenS).toBeCloseTo((3 * pm.link.rttMs.mid) / 1000, 9);
    expect(pm.measured.ackMeanMs).toBeGreaterThan(0);

    const text = summary(result);
    expect(text).toMatch(/^power\s+session\s+radio/m);
    // Fleet, session, radio, link and typical round trip, report interval, then mJ per report.
    expect(text).toMatch(/^mqttSleep\s+mqtt sleep\s+cc2538-802154\s+\S.*\dms\s+0\.3s\s+\d/m);
    expect(text).toMatch(/loopback ack mean, measured by this run and not used for energy: .*mqttSleep/);
    expect(text).toMatch(/^coapNon\s+coap sleep\s+cc2538-802154/m);
  });

  it('persistent sessions: one connection per device, the idle floor dominates, the setup is a one-off', async () => {
    const file = writeScenario(
      'power-persistent',
      `export default defineScenario({
        name: 'power-persistent', duration: '3s', drain: '300ms',
        fleets: {
          kept: { count: ${DEVICES}, protocol: mqtt({ qos: 1 }), topic: 'kept/{id}', send: every('1s'), messages: 2, payload: bytes(24),
            power: { radio: 'cc2538-802154', session: 'persistent', keepalive: '30s', idlemA: 0.6 } },
        },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 1, write: false });
    const f = result.fleets.kept!;
    expect(f.wire!.connections).toBe(DEVICES);
    const p = f.power!;
    expect(p.perReport.handshakes).toBe(0);
    expect(p.setupmJ).toBeGreaterThan(0);
    expect(p.overridden).toEqual(['idlemA']);
    // Wherever the profile's name is shown, what the scenario changed in it is shown beside it.
    expect(summary(result)).toMatch(/^kept\s+mqtt persistent\s+cc2538-802154 \(overridden: idlemA\)/m);
    expect(renderReport(result)).toContain('cc2538-802154 (overridden: idlemA)');
    expect(p.keepaliveS).toBe(30);
    // 1 s between readings, keepalive 30 s: no keepalive exchange in a report interval.
    expect(p.perReport.keepalives).toBe(0);
    expect(p.keepalivemJ).toBe(0);
    // The rest of the interval is the connected-idle floor (PM1, 0.6 mA at 3 V).
    expect(p.floormJ).toBeCloseTo(0.6 * (1 - p.perReport.radioOnS) * 3, 9);
  });

  it('scenarios/protocol-shootout.ts runs on the embedded defaults plus RabbitMQ and ranks every protocol', async () => {
    expect(await portOpen(5672)).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'shootout-'));
    // 4 s of the 60 s run: the devices whose phase falls in it send one reading each (device 0 of
    // every fleet at once: phases are spread over the 30 s interval from 0). The energies are
    // priced per reading from what each device did, so a few readings per fleet rank them as well.
    const cli = await runCli(['run', 'scenarios/protocol-shootout.ts', '--duration', '4s', '--out', out], {
      timeoutMs: 90_000,
    });
    expect(cli.stderr).not.toMatch(/Error|warning/);
    expect(cli.code).toBe(0);
    const dir = readdirSync(out).find((d) => d.startsWith('protocol-shootout-'))!;
    const result = JSON.parse(readFileSync(join(out, dir, 'results.json'), 'utf8')) as RunResult;
    const fleets = [
      'mqtt_q0_kept',
      'mqtt_q1_kept',
      'mqtt_q2_kept',
      'mqtt_q0_sleep',
      'mqtt_q1_sleep',
      'mqtt_q2_sleep',
      'coap_non',
      'coap_con',
      'amqp_kept',
      'http_kept',
      'http_sleep',
    ];
    for (const name of fleets) {
      const f = result.fleets[name]!;
      expect(f.messages.sent, name).toBeGreaterThan(0);
      expect(f.power, name).toBeTruthy();
      const d = result.delivery.find((x) => x.from === name)!;
      expect(d.lost, name).toBe(0);
      expect(cli.stdout).toMatch(
        new RegExp(`^${name}\\s+\\w+ (persistent|sleep)\\s+cc2538-802154\\s+802\\.15\\.4 mesh \\d+ms\\s+30s`, 'm'),
      );
    }
    const power = (name: string) => {
      const p = result.fleets[name]!.power!;
      expect(p.overridden, name).toEqual([]);
      return p;
    };
    const mJ = (name: string): number => power(name).energyPerMessagemJ;
    // Priced from what each protocol did on the link, not from this machine's round trips:
    // handshakes make a fresh connection per reading dearer than CoAP, and each QoS level adds a
    // round of acks; a one-way NON (No-Response) costs less than a CON that waits for its ACK.
    expect(mJ('coap_non')).toBeLessThan(mJ('coap_con'));
    expect(mJ('coap_con')).toBeLessThan(mJ('mqtt_q0_sleep'));
    expect(mJ('mqtt_q0_sleep')).toBeLessThan(mJ('mqtt_q1_sleep'));
    expect(mJ('mqtt_q1_sleep')).toBeLessThan(mJ('mqtt_q2_sleep'));
    expect(mJ('mqtt_q0_kept')).toBeLessThan(mJ('mqtt_q1_kept'));
    expect(mJ('mqtt_q1_kept')).toBeLessThan(mJ('mqtt_q2_kept'));
    expect(power('coap_non').perReport).toMatchObject({ roundTrips: 0, rx: { packets: 0, bytes: 0 } });
    // On 802.15.4 the connected-idle floor (PM1) of a kept connection outweighs any handshake.
    expect(power('mqtt_q0_sleep').batteryLifeDays).toBeGreaterThan(power('mqtt_q0_kept').batteryLifeDays);
    expect(result.fleets.http_sleep!.wire!.connections).toBe(result.fleets.http_sleep!.messages.sent);
    expect(result.fleets.mqtt_q1_sleep!.wire!.connections).toBe(result.fleets.mqtt_q1_sleep!.messages.sent);
  }, 120_000);
});
