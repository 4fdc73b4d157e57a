// Protocol name → driver. Adding a protocol is one folder and one line here.

import { amqpDriver } from './amqp/index.ts';
import { coapDriver } from './coap/index.ts';
import type { Driver } from './driver.ts';
import { httpDriver } from './http/index.ts';
import { mqttDriver } from './mqtt/index.ts';
import { wsDriver } from './ws/index.ts';

// Each driver's options type is private to it; the plan carries them opaquely, so the
// registry stores drivers with their option type erased to `unknown`: options are opaque
// outside each driver. (A Driver<MqttOptions> is a Driver<unknown> because Driver's members
// are declared as methods, whose parameters TypeScript checks bivariantly.)
export type AnyDriver = Driver<unknown>;

export const drivers: Readonly<Record<string, AnyDriver>> = {
  mqtt: mqttDriver,
  coap: coapDriver,
  http: httpDriver,
  amqp: amqpDriver,
  ws: wsDriver,
};

export function driverFor(name: string): AnyDriver | undefined {
  return Object.hasOwn(drivers, name) ? drivers[name] : undefined;
}
