// One scenario, five protocols, the reference gateway in the middle: scenarios/smart-site.ts
// run as shipped (targets pointed at a gateway on free ports), with every hop counted exactly:
// CoAP → gateway → MQTT and AMQP, MQTT → gateway → WebSocket dashboards, MQTT alerts →
// gateway → HTTP webhook, HTTP → embedded server, AMQP → RabbitMQ queue. The gateway's own
// counters must agree with what the receivers saw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summary } from '../../src/cli/summary.ts';
import { type Gateway, run, startGateway } from '../../src/index.ts';
import { freePort, MOSQUITTO_URL } from '../helpers/brokers.ts';

const SCENARIO = new URL('../../scenarios/smart-site.ts', import.meta.url).pathname;
const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';

describe('scenarios/smart-site.ts through the reference gateway', () => {
  let gateway: Gateway;
  let pagerPort: number;
  beforeAll(async () => {
    pagerPort = await freePort();
    process.env.SMART_SITE_WEBHOOK_PORT = String(pagerPort);
    gateway = await startGateway({
      queue: 5000,
      mqtt: { url: MOSQUITTO_URL, qos: 1, inflight: 200 },
      amqp: { url: RABBITMQ },
      coap: { port: 0 },
      dashboards: { port: 0, subscribe: ['site1/#'] },
      webhook: { url: `http://127.0.0.1:${pagerPort}/alerts`, subscribe: 'alerts/#' },
    });
  });
  afterAll(async () => {
    delete process.env.SMART_SITE_WEBHOOK_PORT;
    await gateway?.close();
  });

  it('every hop of every protocol is counted exactly, and the gateway agrees', async () => {
    const { result } = await run({
      scenario: SCENARIO,
      duration: '5s',
      workers: 2,
      write: false,
      targets: { coap: gateway.urls.coap!, ws: gateway.urls.dashboards! },
    });
    expect(result.run.partial).toBe(false);
    expect(result.warnings).toEqual([]);
    for (const [name, f] of Object.entries(result.fleets)) expect(f.devices.connectFailed, name).toBe(0);
    const sent = (fleet: string): number => result.fleets[fleet]!.messages.sent;
    const pair = (from: string, to: string) => result.delivery.find((d) => d.from === from && d.to === to)!;
    const expectExact = (from: string, to: string, copies: number): void => {
      const d = pair(from, to);
      expect(d, `${from} → ${to}`).toBeDefined();
      expect(d.expected, `${from} → ${to}`).toBe(sent(from) * copies);
      expect(d.unique, `${from} → ${to}`).toBe(d.expected);
      expect(d.lost, `${from} → ${to}`).toBe(0);
      expect(d.duplicated, `${from} → ${to}`).toBe(0);
      expect(d.latency.corrected.count, `${from} → ${to}`).toBe(d.received);
    };
    for (const fleet of ['soil', 'trackers', 'alarms', 'meters', 'erp']) expect(sent(fleet), fleet).toBeGreaterThan(0);
    expectExact('soil', 'ops', 1); // CoAP → gateway → MQTT
    expectExact('soil', 'backend', 1); // CoAP → gateway → AMQP (competing consumers: once across the group)
    expectExact('soil', 'dash', 10); // CoAP → gateway → MQTT → gateway → 10 dashboards
    expectExact('trackers', 'dash', 10); // MQTT → gateway → 10 dashboards
    expectExact('alarms', 'pager', 1); // MQTT alerts → gateway → HTTP webhook
    expectExact('meters', 'http-server', 1); // HTTP → embedded server
    expectExact('erp', 'ledger', 1); // AMQP → RabbitMQ → queue
    // Nothing arrived where it was not expected.
    expect(result.delivery.filter((d) => d.expected === 0 && d.received > 0)).toEqual([]);
    // Every CoAP CON was acknowledged by the gateway with 2.04, after entering both queues.
    expect(result.fleets.soil!.messages.acked).toBe(sent('soil'));
    expect(result.fleets.soil!.coap?.responses).toEqual({ '2.04': sent('soil') });

    // The console summary has a table per protocol, with the same numbers.
    const text = summary(result);
    expect(text).toMatch(new RegExp(`\\nledger +- +- +- +${sent('erp')}/0/0 `));
    expect(text).toMatch(new RegExp(`\\nerp +${sent('erp')}/0 `));
    expect(text).toMatch(new RegExp(`\\nmeters +client +${sent('meters')} `));
    // 10 dashboards × 2 filters (site1/gps/+, site1/soil/+): 20 subscribe frames out, 20 'subscribed' plus every message in.
    expect(text).toMatch(new RegExp(`\\ndash +20/${20 + sent('trackers') * 10 + sent('soil') * 10} +20 `));

    const stats = gateway.stats();
    expect(stats.paths['coap→mqtt']).toMatchObject({
      received: sent('soil'),
      forwarded: sent('soil'),
      overflow: 0,
      failed: 0,
    });
    expect(stats.paths['coap→amqp']).toMatchObject({
      received: sent('soil'),
      forwarded: sent('soil'),
      overflow: 0,
      failed: 0,
    });
    expect(stats.paths['mqtt→webhook']).toMatchObject({
      received: sent('alarms'),
      forwarded: sent('alarms'),
      overflow: 0,
      failed: 0,
    });
  });
});
