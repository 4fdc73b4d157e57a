// Before any worker starts: one connection per distinct (target, credentials, version), so an
// unreachable broker or refused credentials fail fast with a clear message instead of
// thousands of counted connect errors.
import { FleetbenchError } from '../errors.ts';
import type { Plan } from '../dsl/plan.ts';
import { driverFor } from '../protocols/registry.ts';

export async function preflight(plan: Plan, urls: Record<string, string>, runId: string, embeddedKeys: ReadonlySet<string>): Promise<void> {
  const seen = new Set<string>();
  let n = 0;
  for (const group of plan.groups) {
    const driver = driverFor(group.protocol);
    const url = urls[group.target];
    if (!driver || url === undefined) continue;
    const key = JSON.stringify([group.protocol, url, credentials(group.options)]);
    if (seen.has(key)) continue;
    seen.add(key);
    const events = { onMessage() {}, onAck() {}, onCode() {}, onError() {}, onDisconnect() {} };
    const device = driver.createDevice({ url, index: 0, clientId: `fb-${runId}-check-${n++}`, options: group.options, connectTimeoutMs: plan.connectTimeoutMs }, events);
    try {
      await device.connect();
    } catch (err) {
      if (err instanceof FleetbenchError && embeddedKeys.has(group.target) && (group.options as { version?: number }).version === 5) {
        throw new FleetbenchError(err.code, `${err.message}\n  hint: the embedded broker (aedes) speaks MQTT 3.1.1 only; ${group.name} asks for MQTT 5. Pass --target ${group.target}=mqtt://127.0.0.1:1883 to use a broker that speaks 5.0.`, { reasonCode: err.reasonCode ?? 'EMBEDDED_V5', cause: err });
      }
      throw err;
    } finally {
      await device.close();
    }
  }
}

/** The parts of protocol options that decide whether a connection is accepted. */
function credentials(options: unknown): unknown {
  const o = options as { version?: unknown; username?: unknown; password?: unknown; tls?: unknown };
  return [o.version, o.username, o.password, o.tls];
}
