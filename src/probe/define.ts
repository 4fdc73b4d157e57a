// A probe: one behaviour of a broker or server (retained messages reach a late subscriber, a
// retransmitted CON is answered once, a TTL'd message is dead-lettered), checked by running a
// short scenario against a target. A probe file is a scenario file with one more export,
// `probe`, that names the behaviour and says how to read the run:
//
//   export const probe = defineProbe({ behaviour: 'retained message to a late subscriber', protocol: 'mqtt' });
//   export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => ({ ..., thresholds }));
//
// The scenario's thresholds and the run's default health checks are the expectation: all pass
// is ✓, any failure is ✗ with what was seen. `notOffered` lists what a peer says when it does
// not offer the feature (a CONNACK property, a refusal code): then the cell is "n/a".

export const PROBE_MARK = 'fleetbench.probe/1';

/** One way to run a probe (an MQTT version, a QoS): a row of its own, its env passed as `-e`. */
export interface ProbeVariant {
  /** Shown after the behaviour: "retained message to a late subscriber (5.0)". */
  label: string;
  env?: Record<string, string>;
  /** Signs that the peer does not offer this variant (MQTT 5 refused), beside the probe's own. */
  notOffered?: NotOffered[];
}

/**
 * A sign that the peer does not offer the feature. `when` is matched against each of the run's
 * codes (`group|kind|code`, e.g. `late|announced|retain_available=0`), each error code in
 * `result.errors` (`mqtt.retained_to_shared_subscription`), and, when the run could not start,
 * the error's reason code and message. A string matches as a substring.
 */
export interface NotOffered {
  when: string | RegExp;
  /** What the cell says: "n/a (not offered): the broker announced Retain Available 0". */
  because: string;
}

export interface ProbeDefinition {
  /** The behaviour checked, the row of the matrix. */
  behaviour: string;
  /** The driver whose targets the probe runs against (`mqtt`, `coap`, `amqp`, ...). */
  protocol: string;
  /** Where the behaviour is specified ("MQTT 5.0 §4.8.2", "RFC 7252 §4.5"). */
  spec?: string;
  /** Runs of the same scenario with different env values; one row each. Default: one run. */
  variants?: ProbeVariant[];
  notOffered?: NotOffered[];
  /**
   * The behaviour IS a refusal (a connect without credentials to a broker that requires them):
   * the run failing to start with an error matching this is ✓, and running is ✗.
   */
  expectRefusal?: string | RegExp;
  /** A label that groups rows in the matrix ("session", "limits"); default: none. */
  section?: string;
  /**
   * The target's performance baseline rather than a behaviour: the scenario takes the fixed load
   * of `--load` as env `PROBE_DEVICES` and `PROBE_DURATION`, and the cell shows its throughput
   * and latency percentiles (still ✗ when a threshold or health check failed).
   */
  load?: boolean;
}

export interface Probe extends ProbeDefinition {
  readonly kind: typeof PROBE_MARK;
}

export function defineProbe(definition: ProbeDefinition): Probe {
  return { ...definition, kind: PROBE_MARK };
}

export function isProbe(value: unknown): value is Probe {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === PROBE_MARK;
}

/** Whether `text` matches `pattern` (a substring for a string). */
export function matches(pattern: string | RegExp, text: string): boolean {
  return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}
