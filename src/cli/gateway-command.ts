// `fleetbench gateway`: run the reference gateway until Ctrl-C / SIGTERM, then flush, print its
// stats and exit 0. Configuration comes from a JSON file (--config) and/or flags; flags win.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { GATEWAY_DEFAULTS, type GatewayConfig } from '../gateway/config.ts';
import { maskUrl } from '../gateway/connect-errors.ts';
import { formatStats } from '../gateway/format.ts';
import { startGateway } from '../gateway/gateway.ts';
import { ExitCode } from './exit-codes.ts';

export interface GatewayArgs {
  config: string | undefined;
  mqtt: string | undefined;
  amqp: string | undefined;
  coapPort: number | undefined;
  wsPort: number | undefined;
  dashboards: string[] | undefined;
  webhook: string | undefined;
  alerts: string[] | undefined;
  queue: number | undefined;
  adminPort: number | undefined;
}

export const gatewayCommand = {
  command: 'gateway',
  describe: 'Run the reference gateway (CoAP → MQTT/AMQP, MQTT → WebSocket dashboards, MQTT alerts → HTTP webhook)',
  builder: (y: Argv) =>
    y
      .option('config', {
        alias: 'c',
        type: 'string',
        describe: 'Gateway configuration (JSON file); flags override it',
      })
      .option('mqtt', { type: 'string', describe: 'MQTT broker URL (mqtt.url)' })
      .option('amqp', {
        type: 'string',
        describe: 'AMQP broker URL (amqp.url); CoAP bodies are published to amq.topic',
      })
      .option('coap-port', {
        type: 'number',
        describe: `Serve CoAP ingest on this UDP port (coap.port; default ${GATEWAY_DEFAULTS.coap.port}, 0 = free port)`,
      })
      .option('ws-port', {
        type: 'number',
        describe: `Serve WebSocket dashboards on this port (dashboards.port; default ${GATEWAY_DEFAULTS.dashboards.port})`,
      })
      .option('dashboards', {
        type: 'string',
        array: true,
        describe: 'MQTT filter(s) the dashboards are fed from (dashboards.subscribe)',
      })
      .option('webhook', { type: 'string', describe: 'POST MQTT alerts to this URL (webhook.url)' })
      .option('alerts', {
        type: 'string',
        array: true,
        describe: `MQTT filter(s) forwarded to the webhook (webhook.subscribe; default ${GATEWAY_DEFAULTS.webhook.subscribe.join(', ')})`,
      })
      .option('queue', {
        type: 'number',
        describe: `Capacity of every outbound queue (queue; default ${GATEWAY_DEFAULTS.queue})`,
      })
      .option('admin-port', {
        type: 'number',
        describe: 'Serve GET /stats on this HTTP port (admin.port; 0 = free port)',
      }),
};

function readConfig(file: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--config ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(err)})`}`,
    );
  }
  try {
    return JSON.parse(text) as GatewayConfig;
  } catch (err) {
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--config ${file}: not valid JSON (${(err as Error).message})`,
    );
  }
}

/** The file's configuration with the flags laid over it. Validation happens in startGateway. */
export function gatewayConfigFromArgs(args: GatewayArgs): GatewayConfig {
  // Typed loosely on purpose: the file is unchecked JSON until resolveGatewayConfig has seen it.
  const c = (args.config === undefined ? {} : readConfig(args.config)) as Record<
    string,
    Record<string, unknown> | unknown
  >;
  const section = (name: string, patch: Record<string, unknown>): void => {
    const existing = c[name];
    c[name] =
      typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? { ...existing, ...patch } : patch;
  };
  if (args.mqtt !== undefined) section('mqtt', { url: args.mqtt });
  if (args.amqp !== undefined) section('amqp', { url: args.amqp });
  if (args.coapPort !== undefined) section('coap', { port: args.coapPort });
  if (args.wsPort !== undefined) section('dashboards', { port: args.wsPort });
  if (args.dashboards !== undefined) section('dashboards', { subscribe: args.dashboards });
  if (args.webhook !== undefined) section('webhook', { url: args.webhook });
  if (args.alerts !== undefined) section('webhook', { subscribe: args.alerts });
  if (args.queue !== undefined) c.queue = args.queue;
  if (args.adminPort !== undefined) section('admin', { port: args.adminPort });
  return c as GatewayConfig;
}

export async function gatewayHandler(args: GatewayArgs): Promise<number> {
  const config = gatewayConfigFromArgs(args);
  const gateway = await startGateway(config, {
    source: args.config === undefined ? 'command line' : `--config ${args.config}`,
  });
  const { urls, config: o } = gateway;
  const out = process.stdout;
  out.write('fleetbench gateway: running (Ctrl-C or SIGTERM stops it and prints its stats)\n');
  if (urls.coap && o.coap) {
    const to = [
      o.coap.toMqtt && o.mqtt ? `${maskUrl(o.mqtt.url)} topic ${o.coap.topic} QoS ${o.mqtt.qos}` : '',
      o.coap.toAmqp && o.amqp ? `${maskUrl(o.amqp.url)} exchange ${o.amqp.exchange || '(default)'}` : '',
    ];
    out.write(`  coap        ${urls.coap}  → ${to.filter(Boolean).join(', ')}\n`);
  }
  if (urls.dashboards && o.dashboards)
    out.write(`  dashboards  ${urls.dashboards}  ← ${o.dashboards.subscribe.join(', ')}\n`);
  if (o.webhook) out.write(`  webhook     ${maskUrl(o.webhook.url)}  ← ${o.webhook.subscribe.join(', ')}\n`);
  if (urls.admin) out.write(`  admin       ${urls.admin}/stats\n`);

  let signalled = false;
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      if (signalled) {
        process.stderr.write('\nforced exit: queues not flushed\n');
        process.exit(ExitCode.interrupted);
      }
      signalled = true;
      process.stderr.write('\nstopping: ingest closed, flushing queues (Ctrl-C again to force)\n');
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const stats = await gateway.close();
  out.write(`${formatStats(stats)}\n`);
  return ExitCode.ok;
}
