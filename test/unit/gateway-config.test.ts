// The gateway's configuration: defaults filled in, and every problem reported at once with the
// field path and what was expected.
import { describe, expect, it } from 'vitest';
import { FleetbenchError } from '../../src/base/errors.ts';
import { type GatewayArgs, gatewayConfigFromArgs } from '../../src/cli/gateway-command.ts';
import { GATEWAY_DEFAULTS, resolveGatewayConfig } from '../../src/gateway/config.ts';

function problems(raw: unknown): string[] {
  try {
    resolveGatewayConfig(raw, 'gw.json');
  } catch (err) {
    expect(err).toBeInstanceOf(FleetbenchError);
    expect((err as FleetbenchError).code).toBe('FB_OPTION_INVALID');
    const [head, ...rest] = (err as Error).message.split('\n');
    expect(head).toBe('gw.json: invalid gateway configuration');
    return rest.map((l) => l.replace(/^ {2}- /, ''));
  }
  throw new Error('expected the configuration to be refused');
}

describe('gateway configuration', () => {
  it('fills in every default', () => {
    const c = resolveGatewayConfig({
      mqtt: { url: 'mqtt://127.0.0.1:1883' },
      amqp: { url: 'amqp://127.0.0.1' },
      coap: {},
      webhook: { url: 'http://127.0.0.1:9000/hook' },
      dashboards: { subscribe: 'telemetry/#' },
    });
    expect(c.coap).toEqual({
      port: 5683,
      host: '127.0.0.1',
      topic: '{path}',
      toMqtt: true,
      toAmqp: true,
      retryAfterSec: 1,
    });
    expect(c.mqtt).toMatchObject({
      qos: 1,
      inflight: 100,
      version: 4,
      queue: GATEWAY_DEFAULTS.queue,
      clientId: `fleetbench-gateway-${process.pid}`,
    });
    expect(c.amqp).toMatchObject({
      exchange: 'amq.topic',
      persistent: false,
      mandatory: true,
      window: 256,
      queue: 1000,
    });
    expect(c.webhook).toMatchObject({
      subscribe: ['alerts/#'],
      concurrency: 8,
      retries: 3,
      retryDelayMs: 200,
      topicHeader: 'x-mqtt-topic',
      queue: 1000,
    });
    expect(c.dashboards).toMatchObject({ port: 8080, subscribe: ['telemetry/#'], qos: 1 });
    expect(c.admin).toBeUndefined();
    expect(c.drainMs).toBe(5000);
  });

  it('a top-level queue is every path default; a section may set its own', () => {
    const c = resolveGatewayConfig({
      queue: 50,
      mqtt: { url: 'mqtt://h', queue: 7 },
      amqp: { url: 'amqp://h' },
      coap: { to: ['mqtt', 'amqp'] },
    });
    expect(c.mqtt!.queue).toBe(7);
    expect(c.amqp!.queue).toBe(50);
  });

  it('coap.to picks the destinations', () => {
    const c = resolveGatewayConfig({ mqtt: { url: 'mqtt://h' }, amqp: { url: 'amqp://h' }, coap: { to: 'amqp' } });
    expect(c.coap).toMatchObject({ toMqtt: false, toAmqp: true });
  });

  it('checks URLs as targets are checked: port range, and the password never shown', () => {
    const found = problems({
      mqtt: { url: 'mqtt://127.0.0.1:0' },
      amqp: { url: 'amqp://u:SECRET@127.0.0.1:99999' },
      coap: { port: 5683 },
    });
    expect(found).toEqual([
      'mqtt.url: port 0 in "mqtt://127.0.0.1:0": expected a port from 1 to 65535',
      'amqp.url: port 99999 in "amqp://u:***@127.0.0.1:99999": expected a port from 1 to 65535',
    ]);
    expect(found.join('\n')).not.toContain('SECRET');
  });

  it('reports every problem with its field path and expectation', () => {
    expect(
      problems({
        queue: 0,
        mqtt: { url: 'http://x', qos: 3, inflight: 1.5 },
        coap: { port: 70000, topic: 'a/#/{path}' },
        webhook: { url: 'mqtt://x', retries: -1, subscribe: ['ok/#', 'bad/#/x'], topicHeader: 'x topic' },
        extra: 1,
      }),
    ).toEqual([
      'extra: unknown field (expected one of queue, drainMs, mqtt, amqp, coap, dashboards, webhook, admin)',
      'queue: expected a positive integer, got 0',
      'mqtt.url: expected a mqtt://, mqtts://, tcp://, ssl://, ws://, wss:// URL, got "http://x"',
      'mqtt.qos: expected one of 0, 1, 2, got 3',
      'mqtt.inflight: expected a positive integer, got 1.5',
      "coap.topic: the rendered topic contains a wildcard ('+' or '#') (MQTT §4.7)",
      'coap.port: expected an integer from 0 to 65535, got 70000',
      'webhook.topicHeader: expected an HTTP field name (RFC 9110 §5.1 token), got "x topic"',
      'webhook.url: expected a http:// URL, got "mqtt://x"',
      `webhook.subscribe[1]: MQTT filter "bad/#/x" has a '#' that is not the whole last level (MQTT §4.7)`,
      'webhook.retries: expected an integer from 0 to 20, got -1',
    ]);
  });

  it('names the missing piece when a bridge has nothing to read from or write to', () => {
    expect(problems({ coap: {} })).toEqual([
      'coap: CoAP ingest needs somewhere to forward to: add an mqtt or amqp section',
    ]);
    expect(problems({ mqtt: { url: 'mqtt://h' }, coap: { to: ['amqp'] } })).toEqual([
      'coap.to[0]: forwards to AMQP but there is no amqp section (add amqp.url)',
    ]);
    expect(problems({ dashboards: { subscribe: '#' } })).toEqual([
      'dashboards: dashboards are fed from MQTT subscriptions: add an mqtt section (mqtt.url)',
    ]);
    expect(problems({ mqtt: { url: 'mqtt://h' }, dashboards: {} })).toEqual([
      'dashboards.subscribe: missing: the MQTT filters dashboards are fed from, e.g. ["telemetry/#"] (--dashboards on the command line)',
    ]);
    expect(problems({ mqtt: { url: 'mqtt://h' } })).toEqual([
      'coap, dashboards, webhook: none is configured: nothing to bridge (add one of these sections; on the command line --coap-port, --ws-port with --dashboards, or --webhook)',
    ]);
    expect(problems({ mqtt: { url: 'mqtt://h' }, dashboards: { subscribe: [] } })).toEqual([
      'dashboards.subscribe: expected a string or a non-empty array of strings, got an array',
    ]);
    expect(problems('x')).toContain('(top level): expected an object, got "x"');
  });

  it('allows shared subscriptions for the webhook (several gateways share alerts), not for dashboards', () => {
    expect(
      resolveGatewayConfig({
        mqtt: { url: 'mqtt://h', version: 5 },
        webhook: { url: 'http://h', subscribe: '$share/gw/alerts/#' },
      }).webhook!.subscribe,
    ).toEqual(['$share/gw/alerts/#']);
    expect(problems({ mqtt: { url: 'mqtt://h' }, dashboards: { subscribe: '$share/gw/t/#' } })[0]).toMatch(
      /^dashboards\.subscribe: MQTT filter "\$share\/gw\/t\/#" is a shared subscription/,
    );
  });

  it('never shows the MQTT password in a problem', () => {
    expect(problems({ mqtt: { url: 'mqtt://h', password: 42 }, coap: {} })).toEqual([
      'mqtt.password: expected a string, got "(not shown)"',
    ]);
  });
});

describe('gateway command-line flags', () => {
  const none: GatewayArgs = {
    config: undefined,
    mqtt: undefined,
    amqp: undefined,
    coapPort: undefined,
    wsPort: undefined,
    dashboards: undefined,
    webhook: undefined,
    alerts: undefined,
    queue: undefined,
    adminPort: undefined,
  };

  it('build the sections they name', () => {
    expect(
      gatewayConfigFromArgs({
        ...none,
        mqtt: 'mqtt://h',
        coapPort: 0,
        wsPort: 0,
        dashboards: ['t/#'],
        webhook: 'http://h/x',
        alerts: ['a/#'],
        queue: 10,
        adminPort: 0,
      }),
    ).toEqual({
      mqtt: { url: 'mqtt://h' },
      coap: { port: 0 },
      dashboards: { port: 0, subscribe: ['t/#'] },
      webhook: { url: 'http://h/x', subscribe: ['a/#'] },
      queue: 10,
      admin: { port: 0 },
    });
  });

  it('a missing or broken --config file is named', () => {
    expect(() => gatewayConfigFromArgs({ ...none, config: '/nonexistent/gw.json' })).toThrow(
      '--config /nonexistent/gw.json: no such file',
    );
    expect(() => gatewayConfigFromArgs({ ...none, config: new URL(import.meta.url).pathname })).toThrow(
      /--config .*: not valid JSON/,
    );
  });
});
