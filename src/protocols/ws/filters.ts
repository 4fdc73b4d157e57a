// Validation of the MQTT topic names and filters a bridge client sends (MQTT 3.1.1 §4.7):
// what the hub answers with 'bad_filter' / 'bad_topic' instead of subscribing or publishing.
import { misplacedWildcard } from '../topics.ts';

/** [MQTT-4.7.3-3] Topic names and filters are at most 65535 bytes of UTF-8. */
const MAX_TOPIC_BYTES = 65_535;

function commonProblem(text: string): string | undefined {
  // [MQTT-4.7.3-1] at least one character; [MQTT-4.7.3-2] no U+0000.
  if (text.length === 0) return 'is empty';
  if (text.includes('\0')) return 'contains U+0000';
  if (Buffer.byteLength(text) > MAX_TOPIC_BYTES) return `is longer than ${MAX_TOPIC_BYTES} bytes`;
  return undefined;
}

/** Why `filter` is not a valid MQTT topic filter, or undefined when it is. */
export function filterProblem(filter: string): string | undefined {
  const common = commonProblem(filter);
  if (common) return common;
  // [MQTT-4.7.1-2] '#' alone in its level and the last level; [MQTT-4.7.1-3] '+' fills a whole level.
  const misplaced = misplacedWildcard(filter);
  if (misplaced === '#') return "has a '#' that is not the whole last level";
  if (misplaced === '+') return "has a '+' that does not fill a whole level";
  // MQTT 5 §4.8.2 shared subscriptions split a stream among a group: the hub has no groups,
  // and treating '$share/…' as a literal filter would silently match nothing. Anything
  // starting '$share/' is refused, also what parseShared() would not read as one (e.g. '$share/g').
  if (filter.startsWith('$share/')) return 'is a shared subscription ($share), which this bridge does not support';
  return undefined;
}

/** Why `topic` is not a valid topic name to publish to, or undefined when it is. */
export function topicProblem(topic: string): string | undefined {
  // [MQTT-3.3.2-2] a topic name must not contain wildcards.
  return commonProblem(topic) ?? (/[+#]/.test(topic) ? "contains a wildcard ('+' or '#')" : undefined);
}
