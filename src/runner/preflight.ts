// Before any worker starts: one connection per distinct (target, credentials, version), so an
// unreachable broker or refused credentials fail fast with a clear message instead of
// thousands of counted connect errors.

import { FleetbenchError } from '../base/errors.ts';
import type { Plan } from '../dsl/plan.ts';
import { type DriverDevice, IGNORE_EVENTS } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';

/**
 * Returns warnings for targets that failed while other groups can still run: the run goes on
 * for them, and the failed groups count their connect errors with the reason code. Throws the
 * first failure when no group could run at all.
 */
export async function preflight(
  plan: Plan,
  urls: Record<string, string>,
  runId: string,
  embeddedKeys: ReadonlySet<string>,
): Promise<string[]> {
  const outcome = new Map<string, FleetbenchError | unknown | null>();
  const keyOf = new Map<string, string>();
  let n = 0;
  // The scenario's own servers (devices that listen, Driver.isServer) are checked first
  // and stay up until the check ends, as they start first in the run: a group that sends to
  // one must find it listening.
  const isServer = (g: Plan['groups'][number]): boolean => driverFor(g.protocol)?.isServer?.(g.options) === true;
  const servers: DriverDevice[] = [];
  for (const group of [...plan.groups].sort((a, b) => Number(isServer(b)) - Number(isServer(a)))) {
    const driver = driverFor(group.protocol);
    const url = urls[group.target];
    if (!driver || url === undefined) continue;
    const key = JSON.stringify([group.protocol, url, driver.connectionKey(group.options)]);
    keyOf.set(group.name, key);
    if (outcome.has(key)) continue;
    const create = (index: number): DriverDevice =>
      driver.createDevice(
        {
          url,
          index,
          fleet: group.name,
          runId,
          clientId: `fb-${runId}-check-${n++}`,
          options: group.options,
          connectTimeoutMs: plan.connectTimeoutMs,
          probe: true,
        },
        IGNORE_EVENTS,
      );
    const device = create(0);
    try {
      await device.connect();
      // A server group's every device listens (device i on its own port), so that a sender
      // addressing any of them finds it up.
      if (isServer(group)) {
        for (let i = 1; i < group.count; i++) {
          const more = create(i);
          servers.push(more);
          await more.connect();
        }
      }
      outcome.set(key, null);
    } catch (err) {
      const hint = embeddedKeys.has(group.target) ? driver.embeddedHint?.(group.options, group) : undefined;
      if (err instanceof FleetbenchError && hint) {
        outcome.set(
          key,
          new FleetbenchError(err.code, `${err.message}\n  hint: ${hint.message}`, {
            reasonCode: err.reasonCode ?? hint.reasonCode,
            cause: err,
          }),
        );
      } else outcome.set(key, err);
    } finally {
      if (isServer(group) && outcome.get(key) === null) servers.push(device);
      else await device.close();
    }
  }
  await Promise.all(servers.map((d) => d.close()));
  const failed = [...keyOf].filter(([, key]) => outcome.get(key) !== null);
  if (failed.length === 0) return [];
  const first = outcome.get(failed[0]?.[1] ?? '');
  if (failed.length === keyOf.size) throw first;
  const warnings: string[] = [];
  for (const key of new Set(failed.map(([, k]) => k))) {
    const groups = failed.filter(([, k]) => k === key).map(([g]) => g);
    const err = outcome.get(key);
    warnings.push(
      `${err instanceof Error ? err.message : String(err)}\n  ${groups.join(', ')} will count connect errors; the run goes on for the other groups`,
    );
  }
  return warnings;
}
