// The stats as a few aligned lines, printed when the gateway stops.
import type { GatewayStats, PathStats } from './stats.ts';

function details(d: Record<string, number>): string {
  const parts = Object.entries(d).map(([k, v]) => `${k} ${v}`);
  return parts.length ? `  (${parts.join(', ')})` : '';
}

function pathLine(name: string, p: PathStats): string {
  const pending = p.queued + p.inFlight;
  return `  ${name.padEnd(14)} received ${p.received}  forwarded ${p.forwarded}  failed ${p.failed}  overflow ${p.overflow}  refused ${p.refused}  abandoned ${p.abandoned}${pending ? `  pending ${pending}` : ''}  queue high-water ${p.queueHighWater}/${p.queueCapacity}${details(p.details)}`;
}

export function formatStats(s: GatewayStats): string {
  const lines = [`gateway stats after ${(s.uptimeMs / 1000).toFixed(1)}s:`];
  if (s.coap) {
    const c = s.coap;
    lines.push(
      `  ${'coap'.padEnd(14)} requests ${c.requests}  accepted (2.04) ${c.accepted}  unavailable (5.03) ${c.unavailable}  rejected ${c.rejected}${details(c.codes)}`,
    );
  }
  for (const [name, p] of Object.entries(s.paths)) lines.push(pathLine(name, p));
  if (s.dashboards) {
    const d = s.dashboards;
    lines.push(
      `  ${'mqtt→ws'.padEnd(14)} received ${d.received}  delivered ${d.delivered}  overflow ${d.overflow}${d.overflowUnreported ? ` (unreported ${d.overflowUnreported})` : ''}  dashboards ${d.clients} (${d.connections} connections)  upstream publishes ${d.upstream.forwarded} (failed ${d.upstream.failed})`,
    );
  }
  return lines.join('\n');
}
