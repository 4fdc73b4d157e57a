// `npm run bench -- --only=amqp`: maximum AMQP 0-9-1 publish rates against the machine's
// RabbitMQ, with publisher confirms, without them, and in transactions of 100, while one
// consumer drains the queue. RabbitMQ's own counts close the books on every run: its global
// received counter (what reached it of what was sent) and the message count of the queue
// once settled (queue.declare passive, AMQP 0-9-1 §1.7.2.1 declare-ok message-count), so
// received = delivered + left in the queue.

import type { RunResult } from '../result/types.ts';
import { run } from '../run.ts';
import type { Progress } from '../runner/progress.ts';
import {
  deliveryOf,
  fleetOf,
  fmt,
  load,
  medianOf,
  ms,
  pct,
  RABBITMQ_URL,
  REPEATS,
  type Row,
  scenario,
  withEnv,
} from './common.ts';
import { cpuMeter, describeCpu } from './cpu-meter.ts';
import { rabbitTotals, settledQueueCount } from './rabbit-counters.ts';

type Mode = 'confirm' | 'none' | 'tx';

const DEVICES = 50;
const INTERVAL = '1ms';
const TX_BATCH = 100;
/**
 * Without confirms nothing slows the publishers down but TCP: what RabbitMQ has not read yet
 * waits in socket buffers (megabytes on loopback), and what is still there when a device
 * closes (after the drain and the driver's 2 s close bound) never reaches RabbitMQ. A longer
 * drain lets it take more of that backlog; with confirms 3 s is enough.
 */
const DRAIN = { confirm: '3s', none: '15s', tx: '3s' } as const;

interface AmqpRun {
  sentPerS: number;
  sent: number;
  dropped: Record<string, number>;
  /** Publish → basic.ack (confirms) or → commit-ok of its batch (tx), µs. */
  ack: { p50: number; p99: number } | undefined;
  commitsPerS: number;
  commitP99: number | undefined;
  delivered: number;
  deliveredPerS: number;
  lost: number;
  duplicated: number;
  /** RabbitMQ's count of ready messages left in the consumer's queue after the run; undefined if it could not be read. */
  left: number | undefined;
  /** How much RabbitMQ's global received counter rose over the run (other publishers on the machine add to it). */
  rabbitReceived: number | undefined;
  /** No confirms: RabbitMQ's intake during the send phase, msg/s. */
  intakePerS: number | undefined;
  bytesPerMessage: number | null;
  /** The configured send phase, s. */
  duration: number;
}

function summarize(
  result: RunResult,
  left: number | undefined,
  rabbitReceived: number | undefined,
  intakePerS: number | undefined,
): AmqpRun {
  const f = fleetOf(result, 'load');
  const d = deliveryOf(result, 'load', 'backend');
  const seconds = f.messages.sent / Math.max(1, f.rates.sentPerS);
  // The consumer may go on receiving through the drain: its rate is over the seconds from the
  // start of the send phase to the last (1 s) interval in which it received anything.
  const start = result.timeline.find((b) => b.phase === 'run')?.t ?? 0;
  const last = result.timeline.reduce((t, b) => ((b.fleets.backend?.received ?? 0) > 0 ? Math.max(t, b.t) : t), start);
  const dropped: Record<string, number> = {};
  for (const [key, n] of Object.entries(result.codes))
    if (key.startsWith('load|dropped|')) dropped[key.slice('load|dropped|'.length)] = n;
  const service = f.latency.ack?.service;
  const a = f.amqp;
  if (!a) throw new Error('bench amqp: the load fleet has no amqp block in its result');
  return {
    sentPerS: f.rates.sentPerS,
    sent: f.messages.sent,
    dropped,
    ack: service && service.count > 0 ? { p50: service.p50, p99: service.p99 } : undefined,
    commitsPerS: a.commits / seconds,
    commitP99: f.latency.commit?.p99,
    delivered: d.unique,
    deliveredPerS: d.unique / Math.max(seconds, last - start + 1),
    lost: d.lost,
    duplicated: d.duplicated,
    left,
    rabbitReceived,
    intakePerS,
    bytesPerMessage: f.bytes.sentPerMessage,
    duration: result.run.durationMs / 1000,
  };
}

interface Sample {
  received: number;
  atMs: number;
}

async function sample(): Promise<Sample | undefined> {
  const t = await rabbitTotals();
  return t && { received: t.received, atMs: Date.now() };
}

/**
 * Without confirms, `sent` counts what the devices wrote to their sockets, which may run far
 * ahead of what RabbitMQ reads. Its own received counter, read twice inside the send phase
 * (at about 2 s and 8 s), gives its intake rate; the two reads have the same rabbitmqctl
 * start-up delay, so it cancels out of the difference.
 */
function intakeSampler(): { onProgress(p: Progress): void; rate(): Promise<number | undefined> } {
  let first: Promise<Sample | undefined> | undefined;
  let second: Promise<Sample | undefined> | undefined;
  return {
    onProgress(p) {
      if (p.phase !== 'run') return;
      if (!first && p.elapsedS >= 2) first = sample();
      else if (first && !second && p.elapsedS >= 8) second = sample();
    },
    async rate() {
      const [a, b] = await Promise.all([first, second]);
      return a && b && b.atMs > a.atMs ? (b.received - a.received) / ((b.atMs - a.atMs) / 1000) : undefined;
    },
  };
}

async function once(mode: Mode): Promise<AmqpRun> {
  const before = await rabbitTotals();
  const intake = mode === 'none' ? intakeSampler() : undefined;
  const env = {
    FB_BENCH_AMQP_MODE: mode,
    FB_BENCH_DEVICES: DEVICES,
    FB_BENCH_INTERVAL: INTERVAL,
    FB_BENCH_TX_BATCH: TX_BATCH,
    FB_BENCH_DRAIN: DRAIN[mode],
  };
  const { result } = await withEnv(env, () =>
    run({
      scenario: scenario('amqp-max'),
      targets: { amqp: RABBITMQ_URL },
      workers: 1,
      write: false,
      ...(intake ? { onProgress: intake.onProgress } : {}),
    }),
  );
  if (result.errors.length > 0)
    throw new Error(`amqp ${mode}: errors during the run: ${JSON.stringify(result.errors.slice(0, 3))}`);
  const left = await settledQueueCount(RABBITMQ_URL, `fbbench.amqp.${result.run.id}`);
  const after = await rabbitTotals();
  return summarize(result, left, before && after ? after.received - before.received : undefined, await intake?.rate());
}

async function amqpMax(mode: Mode): Promise<Row> {
  const before = load();
  const cpu = cpuMeter();
  const runs: AmqpRun[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await once(mode));
  const share = describeCpu(cpu.stop());
  const { median: m, min, max } = medianOf(runs, (r) => r.sentPerS);
  const label = { confirm: 'publisher confirms', none: 'no confirms', tx: `tx batches of ${TX_BATCH}` }[mode];
  const drops =
    Object.entries(m.dropped)
      .map(([k, n]) => `${fmt(n)} ${k}`)
      .join(', ') || 'none';
  const result: string[] = [`${fmt(m.sentPerS)} msg/s sent (median of ${REPEATS})`];
  if (m.intakePerS !== undefined) result.push(`RabbitMQ took ${fmt(m.intakePerS)} msg/s (its counter, mid-phase)`);
  // In tx mode the ack is the commit-ok of the message's batch.
  if (m.ack)
    result.push(`${mode === 'tx' ? 'publish → commit-ok' : 'confirm'} p50 ${ms(m.ack.p50)}, p99 ${ms(m.ack.p99)}`);
  if (mode === 'tx')
    result.push(`${fmt(m.commitsPerS)} commits/s, commit p99 ${m.commitP99 === undefined ? '–' : ms(m.commitP99)}`);
  result.push(`${fmt(m.deliveredPerS)} delivered/s`);
  // The books: RabbitMQ received what was sent (or some never reached it), and what it
  // received was delivered to the consumer or is still in the queue.
  const books =
    m.left === undefined || m.rabbitReceived === undefined
      ? `RabbitMQ's counts not read (rabbitmqctl eval, or the queue count did not settle)`
      : `RabbitMQ received ${fmt(m.rabbitReceived)} (${fmt(m.sent - m.rabbitReceived)} never reached it), ${fmt(m.left)} left in the queue by its count, so ${fmt(m.rabbitReceived - m.delivered - m.left)} unaccounted for`;
  const notes = [
    `range ${fmt(min)}–${fmt(max)} msg/s`,
    `offered ${fmt(DEVICES * 1000)}/s by ${DEVICES} devices (64 B, inflight 100) for ${m.duration} s, drain ${DRAIN[mode]}, 1 worker; dropped: ${drops}`,
    `median run: ${fmt(m.sent)} sent, ${fmt(m.delivered)} delivered to 1 consumer (prefetch 1000, manual ack), ${fmt(m.lost)} not delivered (${pct(m.lost, m.sent)}), ${fmt(m.duplicated)} duplicates; ${books}`,
    `per run sent/received by RabbitMQ/delivered/left in queue: ${runs.map((r) => [r.sent, r.rabbitReceived, r.delivered, r.left].map((n) => (n === undefined ? '?' : fmt(n))).join('/')).join('; ')}`,
    ...(mode === 'none'
      ? [
          `RabbitMQ intake per run: ${runs.map((r) => (r.intakePerS === undefined ? '?' : fmt(r.intakePerS))).join(', ')} msg/s`,
        ]
      : []),
    `${m.bytesPerMessage} B/msg published`,
    `load avg ${before} before; ${share}`,
  ];
  return [`AMQP publish, ${label}, RabbitMQ`, result.join('; '), notes.join('; ')];
}

export async function amqpRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of ['confirm', 'none', 'tx'] as const) rows.push(await amqpMax(mode));
  return rows;
}
