// `fleetbench probe <target>…`: the built-in catalogue of behaviours (and --probes folders) run
// against each target, printed as a matrix (a row per behaviour, a column per target), written
// as probe.json, probe.html, junit.xml and probe.md; --baseline fails on a behaviour that was ✓
// and is not any more, or a performance baseline that regressed (docs/probe.md).
import type { Argv } from 'yargs';
import { defaults } from '../base/defaults.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { type BaselineVerdict, compareToBaseline } from '../probe/baseline.ts';
import { probeSet } from '../probe/files.ts';
import { readMatrix } from '../probe/matrix.ts';
import { parseLoad, parseProbeTarget, runProbes } from '../probe/run.ts';
import { baselineLines, matrixMarkdown, matrixTables, SYMBOL, totalsLine } from '../probe/text.ts';
import { writeProbeFiles } from '../probe/write.ts';
import { exampleTarget } from '../protocols/registry.ts';
import { writeMarkdown } from './ci-outputs.ts';
import { ExitCode } from './exit-codes.ts';
import { table, terminalWidth, wrap } from './format.ts';
import { integerFlag, onceFlag } from './option-values.ts';

export interface ProbeArgs {
  targets: string[];
  probes: string[];
  catalogue: boolean;
  only: string[];
  parallel: string | undefined;
  load: string | undefined;
  baseline: string | undefined;
  maxRegression: string | undefined;
  strict: boolean;
  out: string;
  outExact: string | undefined;
  summaryMd: string | undefined;
  quiet: boolean;
}

export const probeCommand = {
  command: 'probe <targets..>',
  describe: 'Run the catalogue of protocol behaviours against brokers and servers; print the matrix',
  builder: (y: Argv) =>
    y
      .positional('targets', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: `Targets: a URL, name=url (the column's name, e.g. ${exampleTarget().replace(/^[^=]+=/, 'broker-a=')}), or embedded:<protocol>`,
      })
      .option('probes', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'A folder of your own probe files, added to the catalogue (repeatable)',
      })
      .option('catalogue', {
        type: 'boolean',
        default: true,
        describe: 'Run the built-in catalogue (--no-catalogue: only the --probes folders)',
      })
      .option('only', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Run only rows whose id contains this (repeatable, or comma-separated)',
      })
      .option('parallel', { type: 'string', describe: 'Probe runs at a time (default 4)' })
      .option('load', {
        type: 'string',
        describe: 'The performance baseline per target: <devices>x<seconds>s (default 1000x20s), or off',
      })
      .option('baseline', {
        type: 'string',
        describe: "An earlier run's probe.json: exit 1 when a behaviour that was ✓ is not, or the load regressed",
      })
      .option('max-regression', {
        type: 'string',
        describe: "The load rows' allowed regression, as for compare (default p50=100%,throughput=10%)",
      })
      .option('strict', { type: 'boolean', default: false, describe: 'Exit 1 on any ✗ as well' })
      .option('out', { alias: 'o', type: 'string', default: defaults.reportsDir, describe: 'Directory for results' })
      .option('out-exact', { type: 'string', describe: 'Write the files directly in this folder (replaces --out)' })
      .option('summary-md', {
        type: 'string',
        describe: 'Write the Markdown matrix to this file (also appended to $GITHUB_STEP_SUMMARY when set)',
      })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress line' }),
};

export async function probeHandler(args: ProbeArgs): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    process.stderr.write(
      '\nstopping: finishing the probes under way and writing what was probed (Ctrl-C again to force)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const warn = (w: string): boolean => process.stderr.write(`fleetbench: warning: ${w}\n`);
  try {
    const targets = args.targets.map(parseProbeTarget);
    const names = new Set<string>();
    for (const t of targets) {
      if (names.has(t.name))
        throw new FleetbenchError(ErrorCodes.TARGET_INVALID, `two targets are named "${t.name}": name them (name=url)`);
      names.add(t.name);
    }
    const parallel = integerFlag('--parallel', args.parallel, 1, 64);
    const load = parseLoad(onceFlag('--load', args.load));
    const baseline = args.baseline === undefined ? undefined : readMatrix(args.baseline);
    const probes = await probeSet(args.catalogue, args.probes);
    const only = args.only.flatMap((o) => o.split(',')).filter((o) => o !== '');
    let done = 0;
    const tty = process.stderr.isTTY === true && !args.quiet;
    if (!args.quiet)
      process.stderr.write(
        `probing ${targets.map((t) => t.name).join(', ')} with ${probes.length} probe file(s)${load ? `; performance baseline ${load.devices} devices × ${load.durationS}s` : ''}\n`,
      );
    const matrix = await runProbes({
      targets,
      probes,
      ...(only.length > 0 ? { only } : {}),
      ...(parallel ? { parallel } : {}),
      load,
      signal: controller.signal,
      onCell: (row, target, cell) => {
        done++;
        if (tty) process.stderr.write(`\r\x1b[K[${done}] ${SYMBOL[cell.status]} ${target.name} · ${row.id}`);
      },
    });
    if (tty) process.stderr.write('\r\x1b[K');
    const verdict: BaselineVerdict | undefined = baseline
      ? compareToBaseline(args.baseline as string, baseline, matrix, {
          ...(args.maxRegression ? { maxRegression: args.maxRegression } : {}),
        })
      : undefined;
    const text = matrixTables(matrix);
    const width = terminalWidth(process.stdout);
    const out: string[] = text.tables.flatMap((t) => [
      table(t.headers, t.rows, ['l', ...t.headers.slice(1).map(() => 'l' as const)], width),
      '',
    ]);
    out.push(totalsLine(matrix, text.counts));
    if (text.notes.length > 0) out.push('', 'what was seen:', ...text.notes.map((n) => wrap(n, width, '    ')));
    if (verdict) {
      out.push('', `against ${verdict.file}: ${verdict.failed ? 'REGRESSED' : 'no regression'}`);
      out.push(...baselineLines(verdict).map((l) => wrap(`  ${l}`, width, '    ')));
    }
    const files = writeProbeFiles(matrix, verdict, {
      out: args.out,
      ...(args.outExact ? { exact: args.outExact } : {}),
    });
    if (files.warning) warn(files.warning);
    out.push('', `matrix:  ${files.json}`, `page:    ${files.html}`, `junit:   ${files.junit}`, '');
    process.stdout.write(out.join('\n'));
    writeMarkdown(matrixMarkdown(matrix, verdict), args.summaryMd, warn);
    if (matrix.partial) return ExitCode.interrupted;
    if (verdict?.failed) return ExitCode.failed;
    if (text.counts.error > 0) return ExitCode.failed;
    if (args.strict && text.counts.fail > 0) return ExitCode.failed;
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
