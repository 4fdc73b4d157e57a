// Connect-time failures of the gateway's brokers, named as the gateway's: the protocol drivers'
// own mappings (MQTT CONNACK reasons, AMQP reply codes such as 403 ACCESS_REFUSED, socket errno
// names) with a "gateway <protocol>" prefix.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { maskUrl } from '../base/url.ts';
import { amqpConnectError as amqpError, replyOf } from '../protocols/amqp/errors.ts';
import { connectError } from '../protocols/mqtt/connect.ts';

export { maskUrl, replyOf as amqpReply };

export function mqttConnectError(err: unknown, url: string, version: number): FleetbenchError {
  return connectError(err, url, version, `gateway mqtt ${maskUrl(url)}`);
}

export function amqpConnectError(err: unknown, url: string): FleetbenchError {
  return amqpError(err, url, `gateway amqp ${maskUrl(url)}`);
}

export function timeoutError(what: string, url: string, ms: number): FleetbenchError {
  return new FleetbenchError(
    ErrorCodes.CONNECT_TIMEOUT,
    `gateway ${what} ${maskUrl(url)}: no answer within ${ms}ms (connect timeout)`,
    { reasonCode: 'TIMEOUT' },
  );
}
