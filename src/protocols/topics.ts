// How a message's address travels between protocols, so that a receiver on one protocol can
// derive what to subscribe to from a sender on another. The canonical form is an MQTT topic:
// each driver puts its own addresses in that form (Driver.canonicalTopic): CoAP and HTTP paths
// drop their leading '/', as the reference gateway publishes them; AMQP routing keys use '.'
// where MQTT uses '/', the mapping RabbitMQ's MQTT plugin applies.
import type { SourceGroup } from './driver.ts';

/** A template rendered for one device: {fleet}, {id} (the device index) and {run} (the run id). */
export function renderTopic(template: string, fleet: string, id: number, runId: string): string {
  return template.replaceAll('{fleet}', fleet).replaceAll('{id}', String(id)).replaceAll('{run}', runId);
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

/** An MQTT topic as the AMQP routing key RabbitMQ's MQTT plugin uses for it on amq.topic: levels '/' → words '.'. */
export function topicToRoutingKey(topic: string): string {
  return topic.replaceAll('/', '.');
}

/**
 * Whether MQTT topic `topic` matches filter `filter` (§4.7): '+' matches one level, '#' the
 * rest (including the parent level, [MQTT-4.7.1-2]); topics starting with '$' are not
 * matched by a leading wildcard ([MQTT-4.7.2-1]).
 */
export function topicMatches(filter: string, topic: string): boolean {
  return levelsMatch(filter.split('/'), topic.split('/'));
}

/**
 * topicMatches() on a filter and a topic already split at '/', for callers that match one
 * topic against many filters (split each once). `topicStartsWithDollar` may be passed when
 * the caller already knows it; it defaults to whether the first topic level starts with '$'.
 */
export function levelsMatch(
  filterLevels: readonly string[],
  topicLevels: readonly string[],
  topicStartsWithDollar = (topicLevels[0] ?? '').startsWith('$'),
): boolean {
  // [MQTT-4.7.2-1] a leading wildcard does not match topics starting with '$'.
  const first = filterLevels[0] ?? '';
  if (topicStartsWithDollar && (first.startsWith('+') || first.startsWith('#'))) return false;
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === '#') return true;
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/**
 * The first misplaced wildcard of an MQTT topic filter, level by level: '#' when a level
 * holds a '#' but is not a whole '#' last level ([MQTT-4.7.1-2]), '+' when a level holds a
 * '+' but is not a whole '+' level ([MQTT-4.7.1-3]); undefined when every wildcard is placed right.
 */
export function misplacedWildcard(filter: string): '#' | '+' | undefined {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '#';
    if (level.includes('+') && level !== '+') return '+';
  }
  return undefined;
}

/** Whether an MQTT topic filter has a misplaced wildcard: '#' must be a whole last level, '+' a whole level (§4.7.1). */
export function wildcardProblem(filter: string): boolean {
  return misplacedWildcard(filter) !== undefined;
}

/**
 * An MQTT 5 shared subscription '$share/{ShareName}/{filter}' (§4.8.2) split into its group
 * and the filter it subscribes to; undefined for anything else. The ShareName is at least one
 * character without '/', '+' or '#' ([MQTT-4.8.2-1], [MQTT-4.8.2-2]), and the filter is not
 * empty (the filter itself is not validated here).
 */
export function parseShared(filter: string): { group: string; filter: string } | undefined {
  const m = /^\$share\/([^/+#]+)\/(.+)$/.exec(filter);
  return m ? { group: m[1] as string, filter: m[2] as string } : undefined;
}

/** A topic-filter receiver's subscription to every message of `source`: its canonical topic as a filter. */
export function topicFiltersFor(source: SourceGroup): string[] {
  return [filterFromTemplate(source.canonical, source.name)];
}

/** A problem with an MQTT-style topic filter, in words; undefined when it is valid. */
export function topicFilterProblem(filter: string): string | undefined {
  // [MQTT-4.7.1-2] '#' must be last and alone in its level; [MQTT-4.7.1-3] '+' alone in its level.
  return wildcardProblem(filter)
    ? `${JSON.stringify(filter)} is not a valid topic filter: '+' and '#' must fill a whole level, '#' only at the end`
    : undefined;
}
