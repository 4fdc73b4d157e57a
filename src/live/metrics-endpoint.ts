// `--metrics-port`: a Prometheus endpoint serving the progress line's figures at /metrics while
// a run (or a capacity search) goes on, per fleet, for a Grafana panel (deploy/grafana/,
// docs/capacity.md#live-metrics). Its own folder, not src/cli: it serves HTTP, a word the CLI's
// wall keeps for the http driver. prom-client renders the exposition format; the figures are
// the coordinator's live merge, so a scrape costs the workers nothing.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { Progress } from '../runner/progress.ts';

export interface MetricsEndpoint {
  /** Where it listens (host:port, the port resolved when 0 was asked for). */
  address: string;
  update(p: Progress): void;
  /** Extra gauges beside the run's (the capacity search's step and offered load). */
  setStep(step: { index: number; offeredPerS: number; devices: number }): void;
  close(): Promise<void>;
}

/** `9464`, `:9464` or `0.0.0.0:9464`: the host defaults to loopback, so nothing is exposed by accident. */
export function parseMetricsAddress(value: string): { host: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(value.trim());
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port > 65535)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--metrics-port: expected a port (0 to 65535) or host:port, e.g. 9464 or 0.0.0.0:9464, got ${JSON.stringify(value)}`,
    );
  const host = m[1] === undefined || m[1] === '' ? '127.0.0.1' : m[1].replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

export async function startMetricsEndpoint(value: string): Promise<MetricsEndpoint> {
  const { host, port } = parseMetricsAddress(value);
  const registry = new Registry();
  const labels = ['fleet', 'kind'] as const;
  const gauge = (name: string, help: string, labelNames: readonly string[] = labels) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: labels, registers: [registry] });
  const devices = gauge('fleetbench_devices', 'Devices in the fleet (planned)');
  const connected = gauge('fleetbench_connected', 'Devices connected now');
  const sent = counter('fleetbench_sent_total', 'Messages sent since the run began (warm-up included)');
  const received = counter('fleetbench_received_total', 'Messages received since the run began (warm-up included)');
  const errors = counter('fleetbench_errors_total', 'Errors counted since the run began');
  const sentRate = gauge('fleetbench_sent_per_second', 'Messages sent in the last interval, per second');
  const receivedRate = gauge('fleetbench_received_per_second', 'Messages received in the last interval, per second');
  const latency = gauge(
    'fleetbench_latency_seconds',
    'Latency of the last interval (end to end, else ack, else round trip), by quantile',
    [...labels, 'source', 'quantile'],
  );
  const elapsed = gauge('fleetbench_elapsed_seconds', 'Seconds since the send phase began (-1 while connecting)', []);
  const duration = gauge('fleetbench_duration_seconds', 'Planned send phase', []);
  const step = gauge('fleetbench_capacity_step', 'Capacity search: the step running now (1-based)', []);
  const offered = gauge('fleetbench_capacity_offered_per_second', "Capacity search: the step's offered load", []);
  const stepDevices = gauge('fleetbench_capacity_devices', "Capacity search: the step's sending devices", []);
  // Counters move by the difference to the last total seen: prom-client counters only go up,
  // and a capacity search starts each step's run from zero (the series then continues).
  const last = new Map<string, number>();
  const advance = (c: Counter<string>, key: string, fleet: string, kind: string, total: number): void => {
    const before = last.get(key) ?? 0;
    // An increment of 0 still creates the series: a fleet with no errors shows 0, not nothing.
    c.inc({ fleet, kind }, Math.max(0, total - before));
    last.set(key, total);
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('fleetbench: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new FleetbenchError(
          ErrorCodes.OPTION_INVALID,
          `--metrics-port ${value}: cannot listen on ${host}:${port} (${err.code ?? err.message})`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    address: `${shownHost}:${typeof bound === 'object' && bound ? bound.port : port}`,
    update(p) {
      elapsed.set(p.elapsedS);
      duration.set(p.durationS);
      for (const f of p.fleets ?? []) {
        const l = { fleet: f.name, kind: f.kind };
        devices.set(l, f.devices);
        connected.set(l, f.connected);
        advance(sent, `${f.name}|sent`, f.name, f.kind, f.sent);
        advance(received, `${f.name}|received`, f.name, f.kind, f.received);
        advance(errors, `${f.name}|errors`, f.name, f.kind, f.errors);
        sentRate.set(l, f.sentPerS);
        receivedRate.set(l, f.receivedPerS);
        if (f.latency) {
          latency.set({ ...l, source: f.latency.source, quantile: '0.5' }, f.latency.p50Us / 1e6);
          latency.set({ ...l, source: f.latency.source, quantile: '0.99' }, f.latency.p99Us / 1e6);
        }
      }
    },
    setStep(s) {
      step.set(s.index);
      offered.set(s.offeredPerS);
      stepDevices.set(s.devices);
      // A new step's run counts from zero: the counters keep rising from where they were.
      last.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The yargs option, shared by `run` and `capacity`. */
export const metricsPortOption = {
  type: 'string',
  describe:
    'Serve live Prometheus metrics at http://HOST:PORT/metrics during the run (PORT or HOST:PORT; host 127.0.0.1 by default)',
} as const;

/** Starts the endpoint when the flag was given, and says where it is on stderr. */
export async function openMetrics(value: unknown): Promise<MetricsEndpoint | undefined> {
  if (value === undefined) return undefined;
  if (Array.isArray(value))
    throw new FleetbenchError(ErrorCodes.OPTION_INVALID, `--metrics-port: given ${value.length} times; give it once`);
  const flag = String(value);
  const endpoint = await startMetricsEndpoint(flag);
  process.stderr.write(`fleetbench: live metrics at http://${endpoint.address}/metrics\n`);
  return endpoint;
}
