// MQTT → WebSocket dashboards: the gateway subscribes to the configured filters on its own
// MQTT connection and fans every message out, over the JSON bridge protocol
// (protocols/ws/bridge-protocol.ts), to each dashboard whose own filters match. Each dashboard
// has a bounded send buffer; what would exceed it is counted and told to the dashboard
// (WsFanout). A dashboard's publish frames go upstream to MQTT, a bounded number at once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { WebSocketServer } from 'ws';
import { WsFanout } from '../protocols/ws/fanout.ts';
import type { ResolvedGatewayConfig } from './config.ts';
import type { DashboardStats } from './stats.ts';

type DashboardConfig = NonNullable<ResolvedGatewayConfig['dashboards']>;

export class Dashboards {
  private readonly fanout: WsFanout;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private upstreamInFlight = 0;
  private closing: Promise<void> | undefined;
  private readonly upstream = { forwarded: 0, failed: 0 };

  constructor(
    private readonly o: DashboardConfig,
    private readonly client: MqttClient,
    /** Dashboard publishes waiting for their MQTT acknowledgement at once; more are refused. */
    private readonly upstreamWindow: number,
  ) {
    this.fanout = new WsFanout({
      maxBufferedBytes: o.maxBufferedBytes,
      onPublish: (topic, payload) => this.publishUpstream(topic, payload),
    });
    this.http = createServer((_req, res) => {
      res
        .writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' })
        .end('WebSocket only (JSON bridge protocol)\n');
    });
    this.wss = new WebSocketServer({ server: this.http });
    this.fanout.attach(this.wss);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port, this.o.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const { port } = this.http.address() as AddressInfo;
    return `ws://${this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host}:${port}`;
  }

  /** A message from the gateway's dashboard subscriptions. */
  deliver(topic: string, payload: Buffer): void {
    this.fanout.publish(topic, payload);
  }

  stats(): DashboardStats {
    const s = this.fanout.stats;
    // Nothing but deliver() publishes to the fan-out (dashboards' own publishes go upstream), so its count is what arrived.
    return {
      received: s.published,
      delivered: s.delivered,
      overflow: s.overflow,
      overflowUnreported: s.overflowUnreported,
      clients: s.clients,
      connections: s.connections,
      subscriptions: s.subscriptions,
      upstream: { ...this.upstream },
      errors: s.errors,
    };
  }

  /** Stops accepting dashboards and closes the connected ones. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.fanout.close();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
    })();
    return this.closing;
  }

  private async publishUpstream(topic: string, payload: Buffer): Promise<void> {
    if (this.upstreamInFlight >= this.upstreamWindow || !this.client.connected) {
      this.upstream.failed++;
      throw new Error(
        this.client.connected
          ? `${this.upstreamInFlight} publishes already wait for the broker (overflow)`
          : 'the gateway is not connected to the MQTT broker',
      );
    }
    this.upstreamInFlight++;
    try {
      await this.client.publishAsync(topic, payload, { qos: this.o.qos });
      this.upstream.forwarded++;
    } catch (err) {
      this.upstream.failed++;
      throw err;
    } finally {
      this.upstreamInFlight--;
    }
  }
}
