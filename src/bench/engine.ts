// `npm run bench -- engine [--quick] [--rounds N]`: the generator engine measured against a raw
// net.Socket publisher (the floor) and an MQTT.js publisher, in one interleaved run against
// private Mosquitto brokers it starts and stops itself. Rounds of the CPU cases (raw, MQTT.js,
// fleetbench at QoS 0 and 1, then the device sweep and start-up), then idle memory, the maximum
// rate against the broker's own counter, and the connect rate. Prints a Markdown block for
// BENCHMARKS.md on stdout; progress goes to stderr.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { formatBytes } from '../base/format.ts';
import {
  baselineCase,
  connectCase,
  connectRates,
  maxCase,
  maxRate,
  PROFILES,
  type Profile,
  parseRounds,
  publisherCase,
  type RoundFigures,
  round,
  startupCase,
} from './engine-cases.ts';
import { bareCase, idleAll, idleCase } from './engine-idle.ts';
import { mosquittoVersion, type PrivateBroker, startMosquitto } from './engine-mosquitto.ts';
import { fleetbenchCommand, scriptCommand } from './engine-run.ts';
import { type Report, render } from './engine-table.ts';

function commands(p: Profile, a: PrivateBroker, b: PrivateBroker): string[] {
  const list = [
    `${scriptCommand(baselineCase(p, a, 'raw', 0))}  # and FB_ENGINE_QOS=1`,
    `${scriptCommand(baselineCase(p, a, 'mqttjs', 0))}  # and FB_ENGINE_QOS=1`,
    `${fleetbenchCommand(publisherCase(p, a, 0, p.cpu.devices))}  # and FB_BENCH_QOS=1; the sweep varies the devices`,
    fleetbenchCommand(startupCase(p, a)),
    `NODE_OPTIONS='--require src/bench/engine-heap-probe.cjs' ${fleetbenchCommand(idleCase(p, { mqtt: a.url }, p.idle.sizes[0] as number))}`,
    `NODE_OPTIONS='--require src/bench/engine-heap-probe.cjs' ${scriptCommand(bareCase(p, a, p.idle.sizes[0] as number))}`,
    fleetbenchCommand(idleCase(p, { mqtt: a.url, mqtt2: b.url }, p.idle.split / 2, p.idle.split / 2)),
    fleetbenchCommand(maxCase(p, a)),
    fleetbenchCommand(connectCase(p, a, p.connect.rates[0] as number)),
  ];
  return list.map((c) => c.replaceAll(`:${a.port}`, ':<port>').replaceAll(`:${b.port}`, ':<port2>'));
}

async function main(): Promise<void> {
  const args = process.argv.slice(3);
  const unknown = args.filter((a, i) => a !== '--quick' && !a.startsWith('--rounds') && args[i - 1] !== '--rounds');
  const rounds = parseRounds(args);
  if (unknown.length > 0 || typeof rounds === 'string') {
    process.stderr.write(
      `fleetbench bench engine: ${typeof rounds === 'string' ? rounds : `unknown argument ${unknown[0]}`}; usage: npm run bench -- engine [--quick] [--rounds N]\n`,
    );
    process.exitCode = 2;
    return;
  }
  const base = PROFILES[args.includes('--quick') ? 'quick' : 'full'];
  const profile: Profile = { ...base, rounds: rounds ?? base.rounds };
  const t0 = Date.now();
  const log = (s: string): void => {
    process.stderr.write(`[engine ${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
  };
  const startedAt = new Date().toISOString();
  const load = (loadavg()[0] ?? 0).toFixed(2);
  const brokers = [await startMosquitto(), await startMosquitto()] as [PrivateBroker, PrivateBroker];
  log(`private brokers on ports ${brokers[0].port} and ${brokers[1].port}`);
  let report: Report | undefined;
  try {
    const figures: RoundFigures[] = [];
    for (let i = 0; i < profile.rounds; i++) {
      figures.push(await round(profile, brokers[0], (s) => log(`round ${i + 1}/${profile.rounds}: ${s}`)));
    }
    const idle = await idleAll(profile, brokers, log);
    log('maximum rate against the broker counter');
    const max = await maxRate(profile, brokers[0]);
    log('connect rates');
    const connect = await connectRates(profile, brokers[0]);
    report = {
      command: `npm run bench -- engine${profile.name === 'quick' ? ' --quick' : ''}${rounds === undefined ? '' : ` --rounds ${rounds}`}`,
      startedAt,
      minutes: (Date.now() - t0) / 60_000,
      machine: {
        nproc: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown cpu',
        memory: formatBytes(totalmem()),
        node: process.version,
        mosquitto: mosquittoVersion(),
        fileLimit: String(brokers[0].fileLimit ?? 'unknown'),
        load,
      },
      profile,
      rounds: figures,
      idle,
      max,
      connect,
      commands: commands(profile, brokers[0], brokers[1]),
    };
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
    log('brokers stopped');
  }
  process.stdout.write(`\n${render(report)}`);
}

await main();
