// Building MQTT.js client options from resolved fleet options, and turning connect failures
// into FleetbenchErrors with the CONNACK reason in plain words.
import type { IClientOptions } from 'mqtt';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import { connectFailure } from '../connect-errors.ts';
import { connackReason } from './codes.ts';
import type { ResolvedMqttOptions } from './options.ts';

export function clientOptions(o: ResolvedMqttOptions, clientId: string, connectTimeoutMs: number): IClientOptions {
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
  if (o.will) {
    opts.will = { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: o.will.qos, retain: o.will.retain };
  }
  if (o.version === 5) {
    const properties: NonNullable<IClientOptions['properties']> = {};
    // [MQTT-3.1.2.11.2] Session Expiry Interval: absent means 0, the session ends with the connection.
    if (o.sessionExpirySec !== undefined) properties.sessionExpiryInterval = o.sessionExpirySec;
    if (o.receiveMaximum !== undefined) properties.receiveMaximum = o.receiveMaximum;
    opts.properties = properties;
    // §3.3.2.3.4: aliases are only used when the server's CONNACK allows them (Topic Alias Maximum).
    if (o.topicAlias) opts.autoAssignTopicAlias = true;
  }
  if (o.tls.caPem !== undefined) opts.ca = o.tls.caPem;
  opts.rejectUnauthorized = o.tls.rejectUnauthorized;
  return opts;
}

/** Maps whatever MQTT.js or the socket raised during connect to a FleetbenchError. */
export function connectError(err: unknown, url: string, version: number, where = maskUrl(url)): FleetbenchError {
  const e = err as { code?: unknown; message?: string } | undefined;
  const code = e?.code;
  if (typeof code === 'number') {
    // ErrorWithReasonCode from MQTT.js: the CONNACK refused us.
    return new FleetbenchError(
      ErrorCodes.CONNECT_REJECTED,
      `${where}: broker refused the connection: ${connackReason(code, version)}`,
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
