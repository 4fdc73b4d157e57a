// Protocol name → driver. Adding a protocol is one folder and one line here; the result's
// protocol blocks, the console's and the report's tables and the code words follow from it.

import { amqpDriver } from './amqp/index.ts';
import { coapDriver } from './coap/index.ts';
import type { Driver } from './driver.ts';
import { httpDriver } from './http/index.ts';
import { mqttDriver } from './mqtt/index.ts';
import { udpDriver } from './udp/index.ts';
import { wsDriver } from './ws/index.ts';

export const drivers = {
  mqtt: mqttDriver,
  coap: coapDriver,
  http: httpDriver,
  amqp: amqpDriver,
  ws: wsDriver,
  udp: udpDriver,
} as const satisfies Record<string, AnyDriver>;

// Each driver's options type is private to it; the plan carries them opaquely, so generic code
// sees drivers with their option, block and server-stats types erased to `unknown`. (A
// Driver<MqttOptions> is a Driver<unknown> because Driver's members are declared as methods,
// whose parameters TypeScript checks bivariantly.)
export type AnyDriver = Driver<unknown, unknown, unknown>;

export type ProtocolName = keyof typeof drivers;

type BlockOf<D> = D extends { block(input: never): infer B } ? B : never;
type ServerStatsOf<D> = D extends { startEmbedded(): Promise<{ stats?(): infer S }> } ? S : never;
type Present<T> = { [K in keyof T as [T[K]] extends [never] ? never : K]?: T[K] };

/** Each protocol's block in a group's result (`fleets.<name>.<protocol>`), as its driver builds it. */
export type ProtocolBlocks = Present<{ [P in ProtocolName]: BlockOf<(typeof drivers)[P]> }>;

/** Each protocol's embedded server counters (`servers.<protocol>`), as its driver reports them. */
export type ServerStats = Present<{ [P in ProtocolName]: ServerStatsOf<(typeof drivers)[P]> }>;

/** The latencies drivers time beside connect and ack, by kind ('commit'). */
export type DriverLatencyKind = {
  [P in ProtocolName]: (typeof drivers)[P] extends { latencies: infer L } ? keyof L & string : never;
}[ProtocolName];

export function driverFor(name: string): AnyDriver | undefined {
  return Object.hasOwn(drivers, name) ? (drivers as Record<string, AnyDriver>)[name] : undefined;
}

/** A `--target name=url` example from the first registered driver, e.g. 'mqtt=mqtt://127.0.0.1:1883'. */
export function exampleTarget(): string {
  const d = allDrivers()[0];
  if (!d) return 'name=url';
  return `${d.name}=${d.schemes[0]}://127.0.0.1${d.defaultPort === undefined ? '' : `:${d.defaultPort}`}`;
}

/** Every driver, in registry order. */
export function allDrivers(): readonly AnyDriver[] {
  return Object.values(drivers);
}
