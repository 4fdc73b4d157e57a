// The Markdown block `npm run bench -- engine` prints for BENCHMARKS.md: a dated heading, the
// command and machine, one table with each figure beside its target and whether it was met,
// and the exact command line of every case. Pure: it only formats what the cases measured.
import type { ConnectFigure, Engine, Figure, MaxRate, Profile, RoundFigures } from './engine-cases.ts';
import type { IdleFigure, IdleFigures } from './engine-idle.ts';
import { median } from './engine-proc.ts';

export interface Report {
  command: string;
  /** ISO date-time of the start. */
  startedAt: string;
  minutes: number;
  machine: {
    nproc: number;
    cpu: string;
    memory: string;
    node: string;
    mosquitto: string;
    fileLimit: string;
    load: string;
  };
  profile: Profile;
  rounds: RoundFigures[];
  idle?: IdleFigures;
  max?: MaxRate;
  connect?: ConnectFigure[];
  /** What each kind of case ran, for the commands list. */
  commands: string[];
}

type Row = [string, string, string, string, string];

const n0 = (n: number): string => Math.round(n).toLocaleString('en');
const d2 = (n: number | undefined): string => (n === undefined ? '–' : n.toFixed(2));
const ms = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 2 : 1);
const mib = (kib: number | undefined): string => (kib === undefined ? '–' : `${(kib / 1024).toFixed(1)} MiB`);

export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'n/a' : ok ? 'met' : 'not met';
}

/** Median of a figure over the rounds, with every round's value and the errors, if any. */
export function cpuCell(figs: readonly (Figure | undefined)[]): { median?: number; text: string } {
  const values = figs.map((f) => f?.cpu100k).filter((v): v is number => v !== undefined);
  const m = median(values);
  const errors = figs.flatMap((f) => (f?.error ? [f.error] : []));
  const rates = figs.map((f) => f?.rate).filter((v): v is number => v !== undefined);
  const text =
    m === undefined
      ? `failed: ${errors[0] ?? 'no figure'}`
      : `${d2(m)} CPU-s / 100k (rounds: ${values.map(d2).join(', ')}); ${n0(median(rates) ?? 0)} msg/s in the window${errors.length ? `; ${errors.length} failed: ${errors[0]}` : ''}`;
  return { median: m, text };
}

const LABEL: Record<Engine, string> = {
  raw: 'raw net.Socket publisher (the floor)',
  mqttjs: 'MQTT.js publisher (a client per device)',
  fleetbench: 'fleetbench',
};

function cpuRows(r: Report): Row[] {
  const rows: Row[] = [];
  const p = r.profile;
  const rate = n0((p.cpu.devices * 1000) / p.cpu.intervalMs);
  for (const qos of ['0', '1'] as const) {
    const cells = Object.fromEntries(
      (['raw', 'mqttjs', 'fleetbench'] as const).map((e) => [e, cpuCell(r.rounds.map((x) => x.cpu[qos][e]))]),
    ) as Record<Engine, ReturnType<typeof cpuCell>>;
    for (const e of ['raw', 'mqttjs', 'fleetbench'] as const) {
      const raw = cells.raw.median;
      const mine = cells[e].median;
      const ratio = raw !== undefined && mine !== undefined && raw > 0 ? mine / raw : undefined;
      const judged = e === 'fleetbench';
      rows.push([
        `QoS ${qos}, ${rate} msg/s, ${n0(p.cpu.devices)} devices: ${LABEL[e]}`,
        cells[e].text,
        judged ? '≤ 1.2× the raw publisher' : '–',
        judged
          ? `${verdict(ratio === undefined ? undefined : ratio <= 1.2)}${ratio === undefined ? '' : ` (${ratio.toFixed(2)}×)`}`
          : '–',
        e === 'raw' ? 'floor' : ratio === undefined ? '' : `${ratio.toFixed(2)}× the raw publisher`,
      ]);
    }
  }
  return rows;
}

function sweepRows(r: Report): Row[] {
  const sizes = r.profile.sweep;
  const cells = sizes.map((d) => cpuCell(r.rounds.map((x) => x.sweep[d])));
  const first = cells[0]?.median;
  return sizes.map((d, i) => {
    const c = cells[i] as ReturnType<typeof cpuCell>;
    const ratio = first !== undefined && c.median !== undefined && first > 0 ? c.median / first : undefined;
    const last = i === sizes.length - 1;
    return [
      `sweep: fleetbench, ${n0(d)} devices, QoS 0, ${n0((r.profile.cpu.devices * 1000) / r.profile.cpu.intervalMs)} msg/s total`,
      c.text,
      last ? `≤ 1.25× ${n0(sizes[0] as number)} devices` : '–',
      last
        ? `${verdict(ratio === undefined ? undefined : ratio <= 1.25)}${ratio === undefined ? '' : ` (${ratio.toFixed(2)}×)`}`
        : '–',
      i === 0 ? 'reference' : ratio === undefined ? '' : `${ratio.toFixed(2)}× ${n0(sizes[0] as number)} devices`,
    ];
  });
}

const perDevice = (a: number | undefined, b: number | undefined, da: number, db: number): number | undefined =>
  a === undefined || b === undefined || db === da ? undefined : (b - a) / (db - da);

function idleRows(idle: IdleFigures): Row[] {
  const rows: Row[] = [];
  const all: IdleFigure[] = [...idle.fleetbench, ...(idle.split ? [idle.split] : [])];
  all.forEach((f, i) => {
    const prev = all[i - 1];
    const marginal = f.marginalKiB ?? (prev ? perDevice(prev.rssKiB, f.rssKiB, prev.devices, f.devices) : undefined);
    rows.push([
      `idle RSS, fleetbench process tree, ${n0(f.devices)} connected idle devices`,
      f.error ? `failed: ${f.error}` : mib(f.rssKiB),
      '–',
      '–',
      [
        marginal === undefined
          ? ''
          : `marginal ${marginal.toFixed(1)} KiB / device${f.marginalKiB === undefined && prev ? ` from ${n0(prev.devices)}` : ''}`,
        f.note ?? '',
      ]
        .filter((s) => s !== '')
        .join('; '),
    ]);
  });
  const pair = (list: IdleFigure[], who: string): Row => {
    const [a, b] = list;
    if (!a || !b) return [`heap per device, ${who}`, 'not measured', '–', '–', ''];
    const kib = (x: number | undefined, y: number | undefined, bytes: boolean): string => {
      const v = perDevice(x, y, a.devices, b.devices);
      return v === undefined ? '–' : (bytes ? v / 1024 : v).toFixed(1);
    };
    const h = (k: 'heapUsed' | 'external' | 'arrayBuffers'): string => kib(a.heap?.[k], b.heap?.[k], true);
    const failed = a.error ?? b.error;
    return [
      `heap per device, ${who} (${n0(a.devices)} → ${n0(b.devices)})`,
      failed
        ? `failed: ${failed}`
        : `RSS ${kib(a.rssKiB, b.rssKiB, false)} KiB, heapUsed ${h('heapUsed')} KiB, external ${h('external')} KiB, arrayBuffers ${h('arrayBuffers')} KiB`,
      '–',
      '–',
      `at ${n0(b.devices)}: RSS ${mib(b.rssKiB)}, heapUsed ${mib((b.heap?.heapUsed ?? 0) / 1024)} over all threads`,
    ];
  };
  rows.push(pair(idle.fleetbench, 'fleetbench'), pair(idle.bare, 'bare net.Socket clients, same broker'));
  return rows;
}

/**
 * The start transient (issue target): the p99 of each of the first 3 s after the warm-up within
 * 2× the steady state, taken as the median of the per-second p99s after them.
 */
export function transientVerdict(p99: readonly number[]): { worst: number; steady: number; ok: boolean } | undefined {
  const rest = [...p99.slice(3)].sort((a, b) => a - b);
  if (p99.length < 3 || rest.length === 0) return undefined;
  const steady = rest[Math.floor((rest.length - 1) / 2)] as number;
  const worst = Math.max(...p99.slice(0, 3));
  return { worst, steady, ok: worst <= 2 * steady };
}

function p99Rows(r: Report): Row[] {
  return (['q0', 'q1'] as const).map((q) => {
    const lists = r.rounds.map((x) => x.p99[q]).filter((x) => x !== undefined);
    const first = lists[0];
    const verdicts = lists.map((l) => transientVerdict(l.p99)).filter((v) => v !== undefined);
    const ok = verdicts.length === 0 ? undefined : verdicts.every((v) => v.ok);
    const worst = verdicts.reduce((m, v) => Math.max(m, v.worst / v.steady), 0);
    return [
      `per-second p99, first 10 s after a ${'2 s'} warm-up, QoS ${q === 'q0' ? 0 : 1} run (fleetbench)`,
      first ? `${first.p99.map(ms).join(', ')} ms` : 'not measured',
      'first 3 s ≤ 2× the steady state',
      `${verdict(ok)}${verdicts.length ? ` (worst ${worst.toFixed(2)}× over ${verdicts.length} round(s))` : ''}`,
      first ? `\`${first.key}\`, round 1; steady state = the median of the seconds after the first 3` : '',
    ];
  });
}

function maxRows(m: MaxRate | undefined): Row[] {
  if (!m || m.error || m.sent === undefined)
    return [
      ['maximum QoS 0 rate vs the broker counter', `failed: ${m?.error ?? 'not run'}`, 'equal within 1%', 'n/a', ''],
    ];
  const diff = m.brokerAfter === undefined ? undefined : Math.abs(m.brokerAfter - m.sent) / Math.max(1, m.sent);
  const st = m.steady;
  const rateDiff =
    st?.brokerPerS === undefined ? undefined : Math.abs(st.fleetbenchPerS - st.brokerPerS) / Math.max(1, st.brokerPerS);
  const steadyRow: Row = [
    'maximum QoS 0 rate, steady seconds: fleetbench vs the broker counter',
    st
      ? `fleetbench ${n0(st.fleetbenchPerS)} msg/s; broker ${st.brokerPerS === undefined ? '–' : n0(st.brokerPerS)} msg/s`
      : 'no steady window',
    'equal within 1%',
    `${verdict(rateDiff === undefined ? undefined : rateDiff <= 0.01)}${rateDiff === undefined ? '' : ` (${(rateDiff * 100).toFixed(2)}%)`}`,
    "the send phase without its first and last second: fleetbench's per-second sends, the slope of the broker's counter",
  ];
  return [
    steadyRow,
    [
      'maximum QoS 0 rate vs the broker counter',
      `${n0(m.sentPerS ?? 0)} msg/s; fleetbench sent ${n0(m.sent)}; broker counted ${m.brokerAtExit === undefined ? '–' : n0(m.brokerAtExit)} at exit, ${m.brokerAfter === undefined ? '–' : n0(m.brokerAfter)} ≥ 3 s later`,
      'broker count = sent, within 1%',
      `${verdict(diff === undefined ? undefined : diff <= 0.01)}${diff === undefined ? '' : ` (${(diff * 100).toFixed(3)}%)`}`,
      `unread at close: ${m.unread === undefined ? 'not in the result' : n0(m.unread)}; \`$SYS/broker/publish/messages/received\`, sys_interval 1`,
    ],
  ];
}

function startupRows(r: Report): Row[] {
  const cpu = r.rounds.map((x) => x.startup.cpuS).filter((v): v is number => v !== undefined);
  const rss = r.rounds.map((x) => x.startup.rssKiB).filter((v): v is number => v !== undefined);
  return [
    [
      'start-up CPU: 1 device, 1 s run (user + sys)',
      cpu.length ? `${d2(median(cpu))} CPU-s (rounds: ${cpu.map(d2).join(', ')})` : 'failed',
      '–',
      '–',
      `${r.profile.workers} worker(s); /usr/bin/time over the process tree`,
    ],
    ['baseline RSS: same run, tree peak', mib(median(rss)), '–', '–', ''],
  ];
}

/** Met at 95% of the request; a lower bound below that says nothing (the timeline is per second). */
export function connectVerdict(c: ConnectFigure): string {
  if (!c.achieved) return 'n/a';
  const ok = c.achieved.perS >= c.requested * 0.95;
  return ok || c.achieved.how === 'slope' ? verdict(ok) : 'n/a (too few devices for a per-second slope)';
}

function connectRows(list: ConnectFigure[] | undefined, p: Profile): Row[] {
  return (list ?? []).map((c) => [
    `connect rate, requested ${n0(c.requested)}/s, ${n0(p.connect.devices)} devices`,
    c.achieved
      ? `${c.achieved.how === 'bound' ? '≥ ' : ''}${n0(c.achieved.perS)}/s; all connected over ${c.achieved.allWithinS} s of the timeline`
      : `failed: ${c.error ?? 'never all connected'}`,
    `${n0(c.requested)}/s`,
    connectVerdict(c),
    `from \`timeline[].fleets.<fleet>.connected\` per second (${c.achieved?.how === 'slope' ? 'slope while connecting' : 'all over the seconds until all connected: a lower bound'}); connect p99 ${c.connectP99Us === undefined ? '–' : `${ms(c.connectP99Us)} ms`}; starts paced at ${c.startedPerS === undefined ? '–' : `${n0(c.startedPerS)}/s`} (\`run.connect.achievedPerS\`); ${p.connect.workers} workers`,
  ]);
}

export function render(r: Report): string {
  const m = r.machine;
  const rows: Row[] = [
    ...cpuRows(r),
    ...sweepRows(r),
    ...(r.idle ? idleRows(r.idle) : []),
    ...p99Rows(r),
    ...maxRows(r.max),
    ...startupRows(r),
    ...connectRows(r.connect, r.profile),
  ];
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `## ${r.startedAt.slice(0, 10)}: the generator engine against raw sockets and MQTT.js, one private Mosquitto`,
    '',
    `Command: \`${r.command}\` (${r.profile.name} profile, ${r.profile.rounds} interleaved round(s), ${r.minutes.toFixed(1)} min; started ${r.startedAt}).`,
    `Machine: ${m.nproc} cores (${m.cpu}), ${m.memory}, Node ${m.node}, ${m.mosquitto} (private, sys_interval 1, set_tcp_nodelay true, max_connections -1, open files ${m.fileLimit}); load average ${m.load} at the start.`,
    'CPU is user + sys of the whole process tree (/proc/<pid>/stat, children included) over the send phase without its first and last second; medians over the rounds.',
    '',
    '| measurement | result | target | verdict | notes |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
    'Cases (each spawned as its own process):',
    '',
    ...r.commands.map((c) => `- \`${c}\``),
    '',
  ].join('\n');
}
