// The gateway's MQTT connections. Start-up fails fast with a FleetbenchError (refused, CONNACK
// rejection, timeout); once connected, MQTT.js reconnects on its own, keeping unacknowledged
// QoS 1/2 publishes and re-sending them ([MQTT-4.4.0-1]), so a broker restart loses nothing
// that was in flight.
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { ResolvedGatewayConfig } from './config.ts';
import { maskUrl, mqttConnectError, timeoutError } from './connect-errors.ts';

/** Delay between reconnection attempts after the first connection (ms). */
const RECONNECT_MS = 1000;

export async function connectMqtt(
  o: NonNullable<ResolvedGatewayConfig['mqtt']>,
  clientIdSuffix: string,
): Promise<MqttClient> {
  const options: IClientOptions = {
    clientId: `${o.clientId}${clientIdSuffix}`,
    protocolVersion: o.version,
    keepalive: o.keepalive,
    clean: true,
    // Off until the first CONNACK: an unreachable broker at start is an error, not a retry loop.
    reconnectPeriod: 0,
    connectTimeout: o.connectTimeoutMs + 1000,
    // The gateway's own bounded queues hold messages while disconnected, never MQTT.js's.
    queueQoSZero: false,
  };
  if (o.username !== undefined) options.username = o.username;
  if (o.password !== undefined) options.password = o.password;
  const client = connect(o.url, options);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(timeoutError('mqtt', o.url, o.connectTimeoutMs)), o.connectTimeoutMs);
      const onError = (err: unknown): void => done(mqttConnectError(err, o.url, o.version));
      const onClose = (): void =>
        done(mqttConnectError(new Error('connection closed before CONNACK'), o.url, o.version));
      const onConnect = (): void => done();
      function done(err?: Error): void {
        clearTimeout(timer);
        client.off('error', onError).off('close', onClose).off('connect', onConnect);
        if (err) reject(err);
        else resolve();
      }
      client.on('error', onError).on('close', onClose).on('connect', onConnect);
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  // Errors after start-up (a broker restart) are handled by reconnecting; 'error' must have a listener.
  client.on('error', () => undefined);
  client.options.reconnectPeriod = RECONNECT_MS;
  return client;
}

/** Subscribes to `filters`; rejects naming the filter the broker refused (SUBACK 0x80 / reason ≥ 0x80, §3.9.3). */
export async function subscribeAll(
  client: MqttClient,
  url: string,
  filters: string[],
  qos: 0 | 1 | 2,
  field: string,
): Promise<void> {
  const granted = await client.subscribeAsync(filters, { qos });
  for (const g of granted) {
    if (g.qos >= 0x80)
      throw new FleetbenchError(
        ErrorCodes.CONNECT_REJECTED,
        `${field}: ${maskUrl(url)} refused the subscription to ${JSON.stringify(g.topic)} (SUBACK 0x${g.qos.toString(16)}, MQTT §3.9.3)`,
        { reasonCode: g.qos },
      );
  }
}
