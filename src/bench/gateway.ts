// `npm run bench -- --only=gateway`: a CoAP CON fleet through the reference gateway (started
// here, in this process) to the machine's Mosquitto and RabbitMQ, and on to an MQTT observer
// and an AMQP observer; then the same fleet straight to the embedded CoAP server at the same
// offered rate; last, the overload again with small gateway queues, so that they fill and
// requests are answered 5.03. The gateway's own counters (2.04/5.03 answered, forwarded per
// path) are the cross-check on what the devices and observers counted.

import { startGateway } from '../gateway/gateway.ts';
import type { GatewayStats } from '../gateway/stats.ts';
import type { RunResult } from '../result/types.ts';
import { run } from '../run.ts';
import {
  fleetOf,
  fmt,
  load,
  MOSQUITTO_URL,
  medianOf,
  ms,
  RABBITMQ_URL,
  REPEATS,
  type Row,
  scenario,
  withEnv,
} from './common.ts';
import { cpuMeter, describeCpu } from './cpu-meter.ts';

/** Offered rates: a load the gateway should hold, and one far above it (CON is self-clocking: NSTART 1 per device). */
const HELD = { devices: 100, interval: '100ms' };
const OVER = { devices: 1000, interval: '100ms' };
/** The gateway's default queue capacity per path, and a small one that the overload fills (5.03 answers). */
const DEFAULT_QUEUE = 1000;
const SMALL_QUEUE = 10;

interface Path {
  delivered: number;
  lost: number;
  p50: number;
  p99: number;
}

interface GwRun {
  /** Requests answered with a success code (2.01 or 2.04) per second of the send phase. */
  acceptedPerS: number;
  sent: number;
  responses: Record<string, number>;
  retransmissions: number;
  abandoned: number;
  paths: Record<string, Path>;
  gateway: GatewayStats | undefined;
  duration: number;
}

function summarize(result: RunResult, gateway: GatewayStats | undefined): GwRun {
  const f = fleetOf(result, 'sensors');
  const seconds = f.messages.sent / Math.max(1, f.rates.sentPerS);
  const paths: Record<string, Path> = {};
  for (const d of result.delivery.filter((x) => x.from === 'sensors'))
    paths[d.to] = { delivered: d.unique, lost: d.lost, p50: d.latency.corrected.p50, p99: d.latency.corrected.p99 };
  const responses = f.coap?.responses ?? {};
  // The gateway answers 2.04; the embedded server 2.01 Created for a path's first POST, 2.04 after (RFC 7252 §5.8.2).
  const success = Object.entries(responses).reduce((n, [code, count]) => (code.startsWith('2.') ? n + count : n), 0);
  return {
    acceptedPerS: success / seconds,
    sent: f.messages.sent,
    responses,
    retransmissions: f.coap?.retransmissions ?? 0,
    abandoned: f.coap?.abandoned ?? 0,
    paths,
    gateway,
    duration: result.run.durationMs / 1000,
  };
}

async function once(mode: 'gateway' | 'direct', devices: number, interval: string, queue: number): Promise<GwRun> {
  const env = { FB_BENCH_GW_MODE: mode, FB_BENCH_DEVICES: devices, FB_BENCH_INTERVAL: interval };
  if (mode === 'direct') {
    const { result } = await withEnv(env, () => run({ scenario: scenario('gateway-coap'), workers: 1, write: false }));
    return summarize(result, undefined);
  }
  const gateway = await startGateway(
    { queue, mqtt: { url: MOSQUITTO_URL }, amqp: { url: RABBITMQ_URL }, coap: { port: 0, host: '127.0.0.1' } },
    { source: 'bench gateway' },
  );
  let result: RunResult;
  try {
    ({ result } = await withEnv(env, () =>
      run({
        scenario: scenario('gateway-coap'),
        workers: 1,
        write: false,
        targets: { coap: gateway.urls.coap as string, mqtt: MOSQUITTO_URL, amqp: RABBITMQ_URL },
      }),
    ));
  } catch (err) {
    await gateway.close();
    throw err;
  }
  return summarize(result, await gateway.close());
}

const pathText = (name: string, p: Path | undefined): string =>
  p
    ? `${name} ${fmt(p.delivered)} delivered, ${fmt(p.lost)} lost, e2e p50 ${ms(p.p50)} / p99 ${ms(p.p99)}`
    : `${name}: no delivery row`;

async function measure(
  mode: 'gateway' | 'direct',
  { devices, interval }: { devices: number; interval: string },
  queue = DEFAULT_QUEUE,
): Promise<Row> {
  const before = load();
  const cpu = cpuMeter();
  const runs: GwRun[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await once(mode, devices, interval, queue));
  const share = describeCpu(cpu.stop());
  const { median: m, min, max } = medianOf(runs, (r) => r.acceptedPerS);
  const offered = (devices * 1000) / parseFloat(interval);
  const codes = Object.entries(m.responses)
    .map(([c, n]) => `${fmt(n)} ${c}`)
    .join(', ');
  const result =
    mode === 'gateway'
      ? `${fmt(m.acceptedPerS)} accepted/s (2.04, median of ${REPEATS}), ${fmt(m.responses['5.03'] ?? 0)} answered 5.03; MQTT e2e p99 ${ms(m.paths.viaMqtt?.p99 ?? 0)}, AMQP e2e p99 ${ms(m.paths.viaAmqp?.p99 ?? 0)}`
      : `${fmt(m.acceptedPerS)} answered 2.01/2.04 per s (median of ${REPEATS}); e2e p99 ${ms(m.paths['coap-server']?.p99 ?? 0)}`;
  const notes = [
    `range ${fmt(min)}–${fmt(max)}/s`,
    `offered ${fmt(offered)}/s by ${fmt(devices)} CON devices × every ${interval} (48 B) for ${m.duration} s, 1 worker`,
  ];
  notes.push(
    `median run: ${fmt(m.sent)} sent, responses ${codes || 'none'}, ${fmt(m.retransmissions)} retransmissions, ${fmt(m.abandoned)} abandoned`,
  );
  if (mode === 'gateway') {
    notes.push(
      pathText('MQTT observer (QoS 1, Mosquitto)', m.paths.viaMqtt),
      pathText('AMQP observer (RabbitMQ)', m.paths.viaAmqp),
    );
    const g = m.gateway;
    if (g) {
      const p = (name: string): string => {
        const s = g.paths[name];
        return s
          ? `${name} forwarded ${fmt(s.forwarded)}, overflow ${fmt(s.overflow)}, refused ${fmt(s.refused)}, failed ${fmt(s.failed)}, abandoned ${fmt(s.abandoned)}, queue high water ${fmt(s.queueHighWater)}/${fmt(s.queueCapacity)}`
          : `${name}: absent`;
      };
      notes.push(
        `the gateway counted ${fmt(g.coap?.accepted ?? 0)} accepted, ${fmt(g.coap?.unavailable ?? 0)} 5.03; ${p('coap→mqtt')}; ${p('coap→amqp')}`,
      );
    }
  } else {
    notes.push(pathText('embedded server', m.paths['coap-server']));
  }
  notes.push(`load avg ${before} before; ${share}`);
  const title =
    mode === 'gateway'
      ? `CoAP CON → gateway (queues of ${fmt(queue)}) → Mosquitto + RabbitMQ, offered ${fmt(offered)}/s`
      : `CoAP CON → embedded server (direct), offered ${fmt(offered)}/s`;
  return [title, result, notes.join('; ')];
}

export async function gatewayRows(): Promise<Row[]> {
  return [
    await measure('gateway', HELD),
    await measure('direct', HELD),
    await measure('gateway', OVER),
    await measure('direct', OVER),
    await measure('gateway', OVER, SMALL_QUEUE),
  ];
}
