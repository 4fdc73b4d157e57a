// How a message's address travels between protocols, so that a receiver on one protocol can
// derive what to subscribe to from a sender on another. The canonical form is an MQTT topic:
//   - MQTT and WebSocket-bridge topics are already canonical ('fleet/3/gps');
//   - CoAP and HTTP paths drop their leading '/' ('/telemetry/3' → 'telemetry/3'), as the
//     reference gateway publishes them;
//   - AMQP routing keys use '.' where MQTT uses '/' ('fleet.3.gps'), the mapping RabbitMQ's
//     MQTT plugin applies between MQTT topics and amq.topic routing keys.

/** A sender's topic template in canonical (MQTT topic) form. */
export function canonicalTopic(template: string, protocol: string): string {
  if (protocol === 'coap' || protocol === 'http') return template.replace(/^\/+/, '');
  if (protocol === 'amqp') return template.replaceAll('.', '/');
  return template;
}

/** 'fleet/{id}/gps' → 'fleet/+/gps': {fleet} is filled in, any level holding {id} or {target} becomes '+' ({run} stays: receivers render it too). */
export function filterFromTemplate(template: string, fleet: string): string {
  return template
    .replaceAll('{fleet}', fleet)
    .split('/')
    .map((level) => (/\{(id|target)\}/.test(level) ? '+' : level))
    .join('/');
}

/**
 * An MQTT topic filter as an AMQP topic-exchange binding key: levels '/' → words '.',
 * '+' (one level) → '*' (one word), '#' stays '#' (zero or more). RabbitMQ's MQTT plugin
 * binds MQTT subscriptions to amq.topic the same way.
 */
export function mqttFilterToBindingKey(filter: string): string {
  return filter
    .split('/')
    .map((level) => (level === '+' ? '*' : level))
    .join('.');
}

/** An AMQP routing key as the MQTT topic RabbitMQ's MQTT plugin would deliver it on. */
export function routingKeyToTopic(key: string): string {
  return key.replaceAll('.', '/');
}

/**
 * Whether MQTT topic `topic` matches filter `filter` (§4.7): '+' matches one level, '#' the
 * rest (including the parent level, [MQTT-4.7.1-2]); topics starting with '$' are not
 * matched by a leading wildcard ([MQTT-4.7.2-1]).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
