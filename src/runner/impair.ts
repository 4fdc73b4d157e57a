// The run's impairment proxies: one in front of each impaired target, started before the
// preflight (which then crosses the impaired link too), told when the send phase starts, and
// stopped for their counts. Target URLs are rewritten to the proxy's address.
import { ErrorCodes, errorMessage, FleetbenchError } from '../base/errors.ts';
import type { Plan } from '../dsl/plan.ts';
import { type ImpairProxy, startImpairProxy } from '../impair/proxy.ts';
import type { ImpairmentResult } from '../impair/spec.ts';
import { addressOf, viaProxy } from '../impair/url.ts';
import { driverFor } from '../protocols/registry.ts';

export class Proxies {
  private readonly running = new Map<string, ImpairProxy>();
  private stopped: Promise<{ impairment: Record<string, ImpairmentResult>; warnings: string[] }> | undefined;

  /** Starts a proxy per impaired target and points `urls` (and the `shown` ones) at them. */
  async start(plan: Plan, urls: Record<string, string>, shown: Record<string, string>, seed: number): Promise<void> {
    for (const [target, { transport, spec }] of Object.entries(plan.impair)) {
      const url = urls[target];
      const group = plan.groups.find((g) => g.target === target);
      const driver = group ? driverFor(group.protocol) : undefined;
      if (url === undefined || !driver) continue;
      const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
      const address = addressOf(url, scheme === driver.schemes[0] ? driver.defaultPort : undefined);
      if (typeof address === 'string')
        throw new FleetbenchError(ErrorCodes.TARGET_INVALID, `target ${target} (impaired): ${address}`);
      const proxy = await startImpairProxy({ spec, transport, target: address, seed });
      this.running.set(target, proxy);
      urls[target] = viaProxy(url, proxy.host, proxy.port);
      shown[target] = `${shown[target]} (impaired, via ${proxy.host}:${proxy.port})`;
    }
  }

  /** The send phase started: blackholes and resets count from `atUs`. */
  sendStarted(atUs: number): void {
    for (const p of this.running.values()) p.start(atUs);
  }

  /**
   * Stops every proxy (once; safe to call again after an error) and returns their counts by
   * target. A proxy that fails to report costs its counts only: the run's result stands, with a warning.
   */
  stop(): Promise<{ impairment: Record<string, ImpairmentResult>; warnings: string[] }> {
    this.stopped ??= (async () => {
      const impairment: Record<string, ImpairmentResult> = {};
      const warnings: string[] = [];
      await Promise.all(
        [...this.running].map(async ([target, p]) => {
          try {
            impairment[target] = await p.stop();
          } catch (err) {
            warnings.push(`target ${target}: the impairment proxy's counts are lost (${errorMessage(err)})`);
          }
        }),
      );
      return { impairment, warnings };
    })();
    return this.stopped;
  }
}
