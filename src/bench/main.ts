// `npm run bench`: the figures BENCHMARKS.md records, measured with the real runner against
// the machine's Mosquitto and RabbitMQ and the embedded servers. Prints a Markdown table; pass
// --target to bench another MQTT broker, --only=<name>[,<name>] to run some measurements.
// `npm run bench -- engine [--quick] [--rounds N]` runs the engine benchmark instead (engine.ts);
// `npm run bench -- scale [--quick]` the capacity-planning figures (scale.ts);
// `npm run bench -- power [--radio=<profile>]` the power model on a quiet and a busy machine (power.ts).
import { availableParallelism, cpus, totalmem } from 'node:os';
import { formatBytes } from '../base/format.ts';
import { run } from '../run.ts';
import { amqpRows } from './amqp.ts';
import { brokerCounter } from './broker-counter.ts';
import { deliveryOf, fleetOf, RABBITMQ_URL, REPEATS, scenario } from './common.ts';
import { gatewayRows } from './gateway.ts';
import { httpRows } from './http.ts';
import { reconnectRows } from './reconnect.ts';
import { wsRows } from './ws.ts';

const target =
  process.argv.find((a) => a.startsWith('--target='))?.slice('--target='.length) ?? 'mqtt://127.0.0.1:1883';
/** What each --only name measures, for the header line. */
const MEASUREMENTS = {
  mqtt: `MQTT against ${target}`,
  coap: 'CoAP against the embedded server',
  amqp: `AMQP against RabbitMQ (${RABBITMQ_URL.replace(/\/\/[^@]*@/, '//')})`,
  http: 'HTTP against the embedded server',
  ws: 'WebSocket fan-out through the embedded hub',
  gateway: 'CoAP through the in-process reference gateway to Mosquitto and RabbitMQ',
  reconnect: `a reconnect storm of 10,000 MQTT devices against ${target}`,
} as const;
type Name = keyof typeof MEASUREMENTS;
/** --only=mqtt, --only=coap, ... (comma-separated for several); without it, everything. */
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected = (onlyArg?.split(',') ?? Object.keys(MEASUREMENTS)) as Name[];
const unknown = selected.filter((n) => !(n in MEASUREMENTS));
const want = (name: Name): boolean => selected.includes(name);

/** Offered load far above capacity (500 devices × 1000/s): what is sent is the maximum. */
const MAX_DEVICES = 500;

async function qos0Max(workers: number): Promise<string[]> {
  process.env.FB_BENCH_DEVICES = String(MAX_DEVICES);
  process.env.FB_BENCH_INTERVAL = '1ms';
  const rates: number[] = [];
  let bytesPerMessage: number | null = null;
  let sent = 0;
  const counter = await brokerCounter(target);
  const before = await counter?.settled(60_000);
  for (let i = 0; i < REPEATS; i++) {
    const { result } = await run({ scenario: scenario('qos0-max'), targets: { mqtt: target }, workers, write: false });
    const f = fleetOf(result, 'load');
    rates.push(Math.round(f.rates.sentPerS));
    bytesPerMessage = f.bytes.sentPerMessage;
    sent += f.messages.sent;
  }
  const after = await counter?.settled(60_000);
  await counter?.close();
  rates.sort((a, b) => a - b);
  const fmt = (n: number): string => n.toLocaleString('en');
  const median = rates[Math.floor(REPEATS / 2)] as number;
  const check =
    before !== undefined && after !== undefined
      ? `Mosquitto's $SYS counter rose by ${fmt(after - before)} PUBLISH for ${fmt(sent)} sent`
      : 'no settled $SYS counter from the broker';
  return [
    `QoS 0 publish, ${workers} worker(s)`,
    `${fmt(median)} msg/s (median of ${REPEATS})`,
    `range ${fmt(rates[0] as number)}–${fmt(rates[REPEATS - 1] as number)}; offered ${fmt(MAX_DEVICES * 1000)}/s by ${MAX_DEVICES} devices for 10 s, the rest dropped as generator_behind; ${check}; ${bytesPerMessage} B/msg`,
  ];
}

/**
 * Maximum CoAP request rate against the embedded server (in the main thread, so one worker
 * generates and the other core serves): what the server received and answered per second.
 */
async function coapMax(type: 'NON' | 'CON'): Promise<string[]> {
  process.env.FB_BENCH_COAP_TYPE = type;
  process.env.FB_BENCH_DEVICES = '1000';
  process.env.FB_BENCH_INTERVAL = '10ms';
  const fmt = (n: number): string => Math.round(n).toLocaleString('en');
  const runs: { served: number; acked: number; sent: number; lost: number; retx: number; bytes: number | null }[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const { result } = await run({ scenario: scenario('coap-max'), workers: 1, write: false });
    const f = fleetOf(result, 'load');
    const server = fleetOf(result, 'coap-server');
    const d = deliveryOf(result, 'load');
    runs.push({
      served: server.rates.receivedPerS,
      acked: f.messages.acked / (result.run.durationMs / 1000),
      sent: f.rates.sentPerS,
      lost: d.lost / Math.max(1, d.expected),
      retx: f.coap?.retransmissions ?? 0,
      bytes: f.coap?.datagrams.bytesPerDatagramSent ?? null,
    });
  }
  runs.sort((a, b) => a.served - b.served);
  const m = runs[Math.floor(REPEATS / 2)] as (typeof runs)[number];
  return [
    `CoAP ${type} POST, embedded server, 1 worker`,
    `${fmt(m.served)} req/s received by the server (median of ${REPEATS})`,
    `range ${fmt((runs[0] as typeof m).served)}–${fmt((runs[REPEATS - 1] as typeof m).served)}; generator sent ${fmt(m.sent)}/s, ${fmt(m.acked)} responses/s; ${(m.lost * 100).toFixed(1)}% lost${type === 'CON' ? `, ${fmt(m.retx)} retransmissions` : ''}; offered 100,000/s by 1,000 devices for 10 s; ${m.bytes} B/datagram`,
  ];
}

async function idleRss(devices: number, workers: number): Promise<number> {
  process.env.FB_BENCH_DEVICES = String(devices);
  let peak = 0;
  const { result } = await run({
    scenario: scenario('idle-devices'),
    targets: { mqtt: target },
    workers,
    write: false,
    onProgress: (p) => {
      // Sample while every device is connected and idle.
      if (p.phase === 'run' && p.connected === devices) peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  const connected = fleetOf(result, 'idle').devices.peakConnected;
  if (connected !== devices)
    throw new Error(`only ${connected} of ${devices} devices connected: ${JSON.stringify(result.errors.slice(0, 3))}`);
  return peak;
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  if (want('mqtt')) for (const w of [1, 2]) rows.push(await qos0Max(w));
  if (want('coap')) for (const type of ['NON', 'CON'] as const) rows.push(await coapMax(type));
  if (want('mqtt')) rows.push(...(await idleRows()));
  if (want('amqp')) rows.push(...(await amqpRows()));
  if (want('http')) rows.push(...(await httpRows()));
  if (want('ws')) rows.push(...(await wsRows()));
  if (want('gateway')) rows.push(...(await gatewayRows()));
  if (want('reconnect')) rows.push(...(await reconnectRows(target)));
  print(rows);
}

async function idleRows(): Promise<string[][]> {
  const rows: string[][] = [];
  // The baseline has one device per worker, so it pays the same worker-thread overhead.
  const workers = 2;
  const base = await idleRss(workers, workers);
  let previous: { n: number; rss: number } | undefined;
  for (const n of [1000, 10_000]) {
    const rss = await idleRss(n, workers);
    const marginal = previous
      ? `; marginal ${formatBytes((rss - previous.rss) / (n - previous.n))} / device from ${previous.n.toLocaleString('en')}`
      : '';
    rows.push([
      `idle MQTT devices: ${n.toLocaleString('en')}`,
      `${formatBytes((rss - base) / (n - workers))} / device`,
      `process RSS ${formatBytes(rss)} vs ${formatBytes(base)} with ${workers} devices (${workers} workers)${marginal}`,
    ]);
    previous = { n, rss };
  }
  return rows;
}

function print(rows: string[][]): void {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const what = selected.map((n) => MEASUREMENTS[n]).join(', ');
  process.stdout.write(
    `\nfleetbench bench (${what}) — ${availableParallelism()} cores (${cpu}), ${formatBytes(totalmem())}, Node ${process.version}\n\n`,
  );
  process.stdout.write('| measurement | result | notes |\n|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}

if (process.argv[2] === 'power') {
  // `npm run bench -- power`: the shoot-out's energy on a quiet and on a busy machine (power.ts).
  await import('./power.ts');
} else if (process.argv[2] === 'scale') {
  // `npm run bench -- scale`: issue 17's figures (processes, shards merged, the capacity knee).
  await import('./scale.ts');
} else if (process.argv[2] === 'engine') {
  // `npm run bench -- engine`: the generator engine against raw sockets and MQTT.js (engine.ts).
  await import('./engine.ts');
} else if (unknown.length > 0) {
  process.stderr.write(
    `fleetbench bench: unknown --only ${unknown.map((n) => JSON.stringify(n)).join(', ')}; choose from ${Object.keys(MEASUREMENTS).join(', ')}\n`,
  );
  process.exitCode = 2;
} else {
  await main();
}
