// Driving single MqttDevice instances directly against a real broker, recording what they see.
import { randomBytes } from 'node:crypto';
import { Checker } from '../../src/base/check.ts';
import type { DeviceEvents, OutgoingMessage, ReceivedMessage } from '../../src/protocols/driver.ts';
import { MqttDevice } from '../../src/protocols/mqtt/device.ts';
import { type MqttOptions, resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';
import { WAIT_TIMEOUT_MS, waitFor } from './wait.ts';

export interface Probe {
  device: MqttDevice;
  messages: ReceivedMessage[];
  acks: OutgoingMessage[];
  codes: string[];
  errors: string[];
  /** Resolves once `n` messages have arrived (rejects after `ms`, by default a generous WAIT_TIMEOUT_MS). */
  waitFor(n: number, ms?: number): Promise<ReceivedMessage[]>;
}

export const uniq = (): string => randomBytes(4).toString('hex');

export function probe(url: string, clientId: string, options: MqttOptions = {}): Probe {
  const check = new Checker();
  const resolved = resolveMqttOptions(options, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const messages: ReceivedMessage[] = [];
  const acks: OutgoingMessage[] = [];
  const codes: string[] = [];
  const errors: string[] = [];
  const waiters: (() => void)[] = [];
  const events: DeviceEvents = {
    onMessage: (m) => {
      messages.push(m);
      for (const w of waiters.splice(0)) w();
    },
    onAck: (m) => acks.push(m),
    onCode: (code) => codes.push(code),
    onError: (key, message) => errors.push(`${key}: ${message}`),
    onDisconnect: (key) => errors.push(key),
    onInDoubt: () => undefined,
    onResend: () => undefined,
    onLatency: () => undefined,
  };
  const device = new MqttDevice({ url, index: 0, clientId, options: resolved, connectTimeoutMs: 5000 }, events);
  return {
    device,
    messages,
    acks,
    codes,
    errors,
    async waitFor(n, ms = WAIT_TIMEOUT_MS) {
      const until = Date.now() + ms;
      while (messages.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} messages within ${ms} ms, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return messages;
    },
  };
}

export const stamp = (seq = 0) => ({ stream: 1, seq, intendedUs: 1, sentUs: 1 });

/** Polls `condition` until it holds; throws (failing the test) after `ms`, by default a generous WAIT_TIMEOUT_MS. */
export async function eventually(condition: () => boolean, ms = WAIT_TIMEOUT_MS): Promise<void> {
  await waitFor(condition, { timeoutMs: ms });
}
