// `npm run bench`: the figures BENCHMARKS.md records, measured with the real runner against
// the machine's Mosquitto. Prints a Markdown table; pass --target to bench another broker.
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run } from '../runner/run.ts';
import { formatBytes } from '../dsl/units.ts';

const target = process.argv.find((a) => a.startsWith('--target='))?.slice('--target='.length) ?? 'mqtt://127.0.0.1:1883';
const scenario = (name: string): string => fileURLToPath(new URL(`../../scenarios/bench/${name}.ts`, import.meta.url));

/** Offered load far above capacity (500 devices × 1000/s): what is sent is the maximum. */
const MAX_DEVICES = 500;

async function qos0Max(workers: number): Promise<string[]> {
  process.env.FB_BENCH_DEVICES = String(MAX_DEVICES);
  process.env.FB_BENCH_INTERVAL = '1ms';
  const { result } = await run({ scenario: scenario('qos0-max'), targets: { mqtt: target }, workers, write: false });
  const f = result.fleets.load!;
  const offered = MAX_DEVICES * 1000;
  return [`QoS 0 publish, ${workers} worker(s)`, `${Math.round(f.rates.sentPerS).toLocaleString('en')} msg/s`, `offered ${offered.toLocaleString('en')}/s by ${MAX_DEVICES} devices; sent ${f.messages.sent.toLocaleString('en')}, dropped ${f.messages.dropped.toLocaleString('en')} (generator saturated); ${f.bytes.sentPerMessage} B/msg`];
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
  const connected = result.fleets.idle!.devices.peakConnected;
  if (connected !== devices) throw new Error(`only ${connected} of ${devices} devices connected: ${JSON.stringify(result.errors.slice(0, 3))}`);
  return peak;
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const w of [1, 2]) rows.push(await qos0Max(w));
  // The baseline has one device per worker, so it pays the same worker-thread overhead.
  const workers = 2;
  const base = await idleRss(workers, workers);
  let previous: { n: number; rss: number } | undefined;
  for (const n of [1000, 10_000]) {
    const rss = await idleRss(n, workers);
    const marginal = previous ? `; marginal ${formatBytes((rss - previous.rss) / (n - previous.n))} / device from ${previous.n.toLocaleString('en')}` : '';
    rows.push([`idle MQTT devices: ${n.toLocaleString('en')}`, `${formatBytes((rss - base) / (n - workers))} / device`, `process RSS ${formatBytes(rss)} vs ${formatBytes(base)} with ${workers} devices (${workers} workers)${marginal}`]);
    previous = { n, rss };
  }
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  process.stdout.write(`\nfleetbench bench against ${target} — ${availableParallelism()} cores (${cpu}), ${formatBytes(totalmem())}, Node ${process.version}\n\n`);
  process.stdout.write('| measurement | result | notes |\n|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}

await main();
