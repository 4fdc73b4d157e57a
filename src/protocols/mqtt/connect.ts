// Building MQTT.js client options from resolved fleet options, and turning connect failures
// into FleetbenchErrors with the CONNACK reason in plain words.
import type { IClientOptions } from 'mqtt';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import { connectFailure } from '../connect-errors.ts';
import type { DeviceInit } from '../driver.ts';
import { tlsConnectOptions } from '../tls.ts';
import { renderTopic } from '../topics.ts';
import { connackHint, connackReason } from './codes.ts';
import type { ResolvedMqttOptions } from './options.ts';

/**
 * The Last Will of one connection (§3.1.2.5): its topic rendered for the device like a publish
 * topic ({id}, {fleet}, {run}), its payload a fresh stamp from the runner followed by the
 * scenario's will payload, so a receiver can tell which connection's will it got and when.
 */
export function willFor(init: DeviceInit<ResolvedMqttOptions>): IClientOptions['will'] {
  const w = init.options.will;
  if (!w) return undefined;
  // Without a fleet or run (a device driven directly), those placeholders stay as written.
  const topic = renderTopic(w.topic, init.fleet ?? '{fleet}', init.index, init.runId ?? '{run}');
  const body = Buffer.from(w.payload);
  const stamp = init.lastWill?.();
  return { topic, payload: stamp ? Buffer.concat([stamp, body]) : body, qos: w.qos, retain: w.retain };
}

export function clientOptions(
  o: ResolvedMqttOptions,
  clientId: string,
  connectTimeoutMs: number,
  will?: IClientOptions['will'],
): IClientOptions {
  const opts: IClientOptions = {
    clientId,
    protocolVersion: o.version,
    clean: o.clean,
    keepalive: o.keepaliveSec,
    // Reconnection is the device model's decision (sleep/persistent), never the library's.
    reconnectPeriod: 0,
    resubscribe: false,
    // Our own timer (device.ts) reports the timeout; MQTT.js's must not win the race.
    connectTimeout: connectTimeoutMs + 1000,
    // Our own in-flight window bounds the queue; MQTT.js must not hold offline messages.
    queueQoSZero: false,
  };
  if (o.username !== undefined) opts.username = o.username;
  if (o.password !== undefined) opts.password = o.password;
  if (will) opts.will = will;
  if (o.version === 5) {
    const properties: NonNullable<IClientOptions['properties']> = {};
    // [MQTT-3.1.2.11.2] Session Expiry Interval: absent means 0, the session ends with the connection.
    if (o.sessionExpirySec !== undefined) properties.sessionExpiryInterval = o.sessionExpirySec;
    if (o.receiveMaximum !== undefined) properties.receiveMaximum = o.receiveMaximum;
    opts.properties = properties;
    // §3.3.2.3.4: aliases are only used when the server's CONNACK allows them (Topic Alias Maximum).
    if (o.topicAlias) opts.autoAssignTopicAlias = true;
  }
  // Used for mqtts:// and wss:// only; ca, client certificate and key (mutual TLS), SNI name.
  Object.assign(opts, tlsConnectOptions(o.tls));
  return opts;
}

/** Maps whatever MQTT.js or the socket raised during connect to a FleetbenchError. */
export function connectError(err: unknown, url: string, version: number, where = maskUrl(url)): FleetbenchError {
  const e = err as { code?: unknown; message?: string } | undefined;
  const code = e?.code;
  if (typeof code === 'number') {
    // ErrorWithReasonCode from MQTT.js: the CONNACK refused us.
    const hint = connackHint(code, version);
    return new FleetbenchError(
      ErrorCodes.CONNECT_REJECTED,
      `${where}: broker refused the connection: ${connackReason(code, version)}${hint ? `; ${hint}` : ''}`,
      { reasonCode: code, cause: err },
    );
  }
  return connectFailure(where, err);
}

export function connectTimeout(url: string, ms: number): FleetbenchError {
  return new FleetbenchError(
    ErrorCodes.CONNECT_TIMEOUT,
    `${maskUrl(url)}: no CONNACK within ${ms}ms (connect timeout)`,
    { reasonCode: 'TIMEOUT' },
  );
}
