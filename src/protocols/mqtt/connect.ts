// The CONNECT packet of one connection, built from resolved fleet options, and connect
// failures turned into FleetbenchErrors with the CONNACK reason in plain words.
import type { IConnectPacket } from 'mqtt-packet';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import { connectFailure } from '../connect-errors.ts';
import type { DeviceInit } from '../driver.ts';
import { renderTopic } from '../topics.ts';
import { connackHint, connackReason } from './codes.ts';
import type { ResolvedMqttOptions } from './options.ts';
import { targetOf } from './transport.ts';

type Will = NonNullable<IConnectPacket['will']>;

/**
 * The Last Will of one connection (§3.1.2.5): its topic rendered for the device like a publish
 * topic ({id}, {fleet}, {run}), its payload a fresh stamp from the runner followed by the
 * scenario's will payload, so a receiver can tell which connection's will it got and when.
 */
export function willFor(init: DeviceInit<ResolvedMqttOptions>): Will | undefined {
  const w = init.options.will;
  if (!w) return undefined;
  // Without a fleet or run (a device driven directly), those placeholders stay as written.
  const topic = renderTopic(w.topic, init.fleet ?? '{fleet}', init.index, init.runId ?? '{run}');
  const body = Buffer.from(w.payload);
  const stamp = init.lastWill?.();
  const will: Will = { topic, payload: stamp ? Buffer.concat([stamp, body]) : body, qos: w.qos, retain: w.retain };
  // 5.0 §3.1.3.2.2: the Will Delay Interval, a will property.
  if (w.delaySec !== undefined && w.delaySec > 0) will.properties = { willDelayInterval: w.delaySec };
  return will;
}

/**
 * §3.1: CONNECT with the device's client id, Clean Session / Clean Start, Keep Alive, will and
 * credentials (the options' own, else the URL's user and password), and in 5.0 Session Expiry
 * Interval, Receive Maximum, Maximum Packet Size and Topic Alias Maximum.
 */
export function connectPacket(
  o: ResolvedMqttOptions,
  url: string,
  clientId: string,
  will: Will | undefined,
): IConnectPacket {
  const t = targetOf(url);
  const p: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: o.version,
    clean: o.clean,
    clientId,
    keepalive: o.keepaliveSec,
  };
  const username = o.username ?? t.username;
  const password = o.password ?? t.password;
  if (username !== undefined) p.username = username;
  if (password !== undefined) p.password = Buffer.from(password);
  if (will) p.will = will;
  if (o.version === 5) {
    const properties: NonNullable<IConnectPacket['properties']> = {};
    // [MQTT-3.1.2.11.2] Session Expiry Interval: absent means 0, the session ends with the connection.
    if (o.sessionExpirySec !== undefined) properties.sessionExpiryInterval = o.sessionExpirySec;
    if (o.receiveMaximum !== undefined) properties.receiveMaximum = o.receiveMaximum;
    // §3.1.2.11.4, §3.1.2.11.5: what the broker may send the device.
    if (o.maximumPacketSize !== undefined) properties.maximumPacketSize = o.maximumPacketSize;
    if (o.topicAliasMaximum !== undefined) properties.topicAliasMaximum = o.topicAliasMaximum;
    p.properties = properties;
  }
  return p;
}

/** Maps a refusing CONNACK (an error with its numeric code), or what the socket raised during connect, to a FleetbenchError. */
export function connectError(err: unknown, url: string, version: number, where = maskUrl(url)): FleetbenchError {
  const e = err as { code?: unknown; message?: string } | undefined;
  const code = e?.code;
  if (typeof code === 'number') {
    // The CONNACK refused us (the device's error, or MQTT.js's ErrorWithReasonCode in the gateway).
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
