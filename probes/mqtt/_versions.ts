// The MQTT versions a probe runs at, one row each, and what a broker says when it does not speak
// MQTT 5: a 3.1.1 CONNACK with return code 0x01 (§3.2.2.3; NATS, aedes), or the socket closed on
// the CONNECT (RabbitMQ before 3.13). Probe files import this; it is not a probe itself.
import type { ProbeVariant } from 'fleetbench';

export const V311: ProbeVariant = { label: '3.1.1', env: { MQTT_VERSION: '4' } };

export const V5: ProbeVariant = {
  label: '5.0',
  env: { MQTT_VERSION: '5' },
  notOffered: [
    { when: 'unacceptable protocol version', because: 'MQTT 5 refused: the broker answered with a 3.1.1 CONNACK (0x01)' },
    { when: /cannot connect: connection (reset|closed)/, because: 'MQTT 5 refused: the broker closed the connection on the CONNECT' },
  ],
};

export const VERSIONS: ProbeVariant[] = [V311, V5];

/** The MQTT_VERSION env value as the `version` option. */
export const versionOf = (env: { MQTT_VERSION: string }): 4 | 5 => (env.MQTT_VERSION === '5' ? 5 : 4);
