// A publisher's basic properties (AMQP 0-9-1 §1.8, class basic content properties), built once
// per device from its options, and a request's reply-to and correlation-id added per message.
import type { Options } from 'amqplib';
import type { OutgoingMessage } from '../driver.ts';
import type { ResolvedAmqpOptions } from './options.ts';

export function publishProperties(o: ResolvedAmqpOptions): Options.Publish {
  const p: Options.Publish = {};
  if (o.persistent) p.persistent = true;
  if (o.mandatory) p.mandatory = true;
  if (o.priority !== undefined) p.priority = o.priority;
  // Basic property `expiration`: a short string, milliseconds in RabbitMQ's per-message TTL.
  if (o.ttlMs !== undefined) p.expiration = String(o.ttlMs);
  if (o.headers) p.headers = o.headers;
  return p;
}

/** The device's properties, with reply-to and correlation-id when the message is a request. */
export function withReply(base: Options.Publish, message: OutgoingMessage): Options.Publish {
  if (message.replyTo === undefined && message.correlation === undefined) return base;
  const options = { ...base };
  if (message.replyTo !== undefined) options.replyTo = message.replyTo;
  if (message.correlation !== undefined) options.correlationId = message.correlation.toString('hex');
  return options;
}
