// One MqttDevice driven directly, with every DeviceEvents call recorded: acks per message,
// resends, messages in doubt, disconnects with their cause, codes and errors.
import { Checker } from '../../src/base/check.ts';
import type { DeviceEvents, DeviceInit, DisconnectCause, OutgoingMessage } from '../../src/protocols/driver.ts';
import { MqttDevice } from '../../src/protocols/mqtt/device.ts';
import { type MqttOptions, type ResolvedMqttOptions, resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';

export interface Recorded {
  device: MqttDevice;
  /** Acks by the message's seq: each should be 1. */
  acks: Map<number, number>;
  resent: number;
  inDoubt: number;
  disconnects: { key: string; message: string; cause: DisconnectCause }[];
  codes: string[];
  errors: string[];
  /** Sends one message with stamp seq `seq` on `topic`; returns what send() said. */
  send(topic: string, seq: number): ReturnType<MqttDevice['send']>;
}

export function recordedDevice(
  url: string,
  clientId: string,
  options: MqttOptions,
  extra: Partial<DeviceInit<ResolvedMqttOptions>> = {},
): Recorded {
  const check = new Checker();
  const resolved = resolveMqttOptions(options, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const r: Omit<Recorded, 'device' | 'send'> = {
    acks: new Map(),
    resent: 0,
    inDoubt: 0,
    disconnects: [],
    codes: [],
    errors: [],
  };
  const events: DeviceEvents = {
    onMessage: () => undefined,
    onAck: (m: OutgoingMessage) => r.acks.set(m.stamp.seq, (r.acks.get(m.stamp.seq) ?? 0) + 1),
    onCode: (code) => r.codes.push(code),
    onError: (key, message) => r.errors.push(`${key}: ${message}`),
    onDisconnect: (key, message, cause) => r.disconnects.push({ key, message, cause }),
    onInDoubt: (n) => (r.inDoubt += n),
    onResend: (n) => (r.resent += n),
    onLatency: () => undefined,
  };
  const device = new MqttDevice(
    { url, index: 0, clientId, options: resolved, connectTimeoutMs: 10_000, ...extra },
    events,
  );
  return Object.assign(r, {
    device,
    send: (topic: string, seq: number) =>
      device.send({
        topic,
        payload: Buffer.from(`m${seq}`),
        stamp: { stream: 1, seq, intendedUs: 1, sentUs: 1 },
      }),
  });
}
