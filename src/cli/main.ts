// CLI entry: a thin yargs layer over the programmatic API. User mistakes print a message and
// exit 2; only fleetbench bugs print a stack.
import yargs from 'yargs';
import { isFleetbenchError } from '../base/errors.ts';
import { version } from '../base/version.ts';
import { capacityCommand, capacityHandler } from './capacity-command.ts';
import { compareCommand, compareHandler } from './compare-command.ts';
import { ExitCode } from './exit-codes.ts';
import { gatewayCommand, gatewayHandler } from './gateway-command.ts';
import { mergeCommand, mergeHandler } from './merge-command.ts';
import { type ProbeArgs, probeCommand, probeHandler } from './probe-command.ts';
import { reportCommand, reportHandler } from './report-command.ts';
import { runCommand, runHandler } from './run-command.ts';
import { validateCommand, validateHandler } from './validate-command.ts';

export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const guard = (handler: () => Promise<number>) => async () => {
    code = await handler();
  };
  try {
    await yargs(argv)
      .scriptName('fleetbench')
      .usage('$0 <command> [options]')
      .command({ ...runCommand, handler: (a) => guard(() => runHandler(a))() })
      .command({
        ...validateCommand,
        handler: (a) => guard(() => validateHandler(a))(),
      })
      .command({ ...gatewayCommand, handler: (a) => guard(() => gatewayHandler(a))() })
      .command({ ...reportCommand, handler: (a) => guard(() => reportHandler(a))() })
      .command({ ...compareCommand, handler: (a) => guard(() => compareHandler(a))() })
      .command({ ...mergeCommand, handler: (a) => guard(() => mergeHandler(a))() })
      .command({ ...capacityCommand, handler: (a) => guard(() => capacityHandler(a))() })
      .command({ ...probeCommand, handler: (a) => guard(() => probeHandler(a as unknown as ProbeArgs))() })
      .demandCommand(1, 'Name a command: run, validate, gateway, compare, report, merge, capacity or probe')
      .strict()
      .version(version)
      .help()
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`fleetbench: ${err.message}\nRun 'fleetbench --help' for usage.\n`);
      return ExitCode.usage;
    }
    if (isFleetbenchError(err)) {
      process.stderr.write(`fleetbench: ${err.message}\n`);
      return ExitCode.usage;
    }
    process.stderr.write(
      `fleetbench: internal error (please report it):\n${err instanceof Error ? err.stack : String(err)}\n`,
    );
    return ExitCode.internal;
  }
  return code;
}

class UsageError extends Error {}
