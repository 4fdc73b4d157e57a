// WebSocket connect failures with clear reasons: an upgrade refused with an HTTP status (the
// device, and the CLI with no stack trace), headers that make the upgrade succeed, bad
// options and bad targets named with their field.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Checker } from '../../src/base/check.ts';
import { ErrorCodes, FleetbenchError, type ScenarioError } from '../../src/base/errors.ts';
import { every } from '../../src/dsl/schedule.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import type { DeviceEvents } from '../../src/protocols/driver.ts';
import { WsDevice } from '../../src/protocols/ws/device.ts';
import { resolveWsOptions, type WsOptions, ws } from '../../src/protocols/ws/options.ts';
import { runCli, writeScenario } from '../helpers/scenario.ts';

const NO_STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;
const TOKEN = 'Bearer fleetbench-test';

// A bridge at /bridge that wants an Authorization header: 401 without it, 404 elsewhere.
let http: Server;
let base = '';
beforeAll(async () => {
  http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (req.url !== '/bridge') return refuse('404 Not Found');
    if (req.headers.authorization !== TOKEN) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', () => undefined));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  base = `ws://127.0.0.1:${(http.address() as { port: number }).port}`;
});
afterAll(() => {
  http.closeAllConnections();
  http.close();
});

const quiet: DeviceEvents = {
  onMessage() {},
  onAck() {},
  onCode() {},
  onError() {},
  onDisconnect() {},
  onInDoubt() {},
  onResend() {},
  onLatency() {},
};

function connect(url: string, options: WsOptions = {}): Promise<unknown> {
  const resolved = resolveWsOptions(options, 'test', new Checker());
  const d = new WsDevice({ url, index: 0, clientId: 'ws-err', options: resolved!, connectTimeoutMs: 3000 }, quiet);
  return d.connect().then(
    async (us) => {
      await d.close();
      return us;
    },
    (e: unknown) => e,
  );
}

describe('refused WebSocket upgrades', () => {
  it('401: FB_CONNECT_REJECTED with the status as the reason and a hint about headers', async () => {
    const err = (await connect(`${base}/bridge`)) as FleetbenchError;
    expect(err).toBeInstanceOf(FleetbenchError);
    expect(err.code).toBe(ErrorCodes.CONNECT_REJECTED);
    expect(err.reasonCode).toBe(401);
    expect(err.message).toBe(
      `${base}/bridge: the server refused the WebSocket upgrade: HTTP 401 Unauthorized (check the credentials in headers, e.g. Authorization)`,
    );
  });

  it('404: names the status and points at the URL path', async () => {
    const err = (await connect(`${base}/nope`, { headers: { Authorization: TOKEN } })) as FleetbenchError;
    expect(err.reasonCode).toBe(404);
    expect(err.message).toContain('HTTP 404 Not Found (check the path of the URL)');
  });

  it('the headers option is sent with the Upgrade request', async () => {
    expect(await connect(`${base}/bridge`, { headers: { Authorization: TOKEN } })).toBeGreaterThan(0);
  });

  it('the CLI prints the reason, exits 2, no stack trace', async () => {
    const file = writeScenario(
      'ws-refused',
      `export default defineScenario({
        name: 'ws-refused', duration: '1s', drain: '200ms',
        targets: { ws: '${base}/bridge' },
        fleets: { pub: { count: 1, protocol: ws(), topic: 'a/{id}', send: every('100ms'), messages: 1 } },
      });`,
    );
    const r = await runCli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${base}/bridge: the server refused the WebSocket upgrade: HTTP 401 Unauthorized`);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('a ws target of another scheme, and bad options, are named with their field', () => {
    const scenario = (targets: Record<string, string>, protocol: unknown): unknown => ({
      name: 'ws-bad',
      duration: '1s',
      targets,
      fleets: { pub: { count: 1, protocol, topic: 'a/{id}', send: every('100ms') } },
    });
    const problems = (s: unknown): readonly string[] => {
      try {
        validateScenario(s, 'ws-bad.ts');
        return [];
      } catch (err) {
        return (err as ScenarioError).problems;
      }
    };
    expect(problems(scenario({ ws: 'mqtt://127.0.0.1:1883' }, ws()))).toEqual([
      'targets.ws: expected a ws://, wss:// URL, got "mqtt://127.0.0.1:1883"',
    ]);
    expect(problems(scenario({}, ws({ inflight: -1, headers: { Upgrade: 'h2c' } })))).toEqual([
      'fleets.pub.protocol.headers.Upgrade: is set by the WebSocket handshake itself (RFC 6455 §4.1) and cannot be overridden',
      'fleets.pub.protocol.inflight: expected a positive integer, got -1',
    ]);
    expect(problems(scenario({}, ws({ target: 'bridge' })))).toEqual([
      'fleets.pub.protocol.target: no target named "bridge" in targets',
    ]);
  });
});
