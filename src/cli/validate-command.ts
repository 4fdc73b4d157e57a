// `fleetbench validate <scenario>`: load and check a scenario without running it.
import type { Argv } from 'yargs';
import { formatDurationMs } from '../base/format.ts';
import { parseEnvArgs } from '../dsl/env.ts';
import { checkCapacity } from '../dsl/limits.ts';
import { loadScenario } from '../dsl/load.ts';
import { ExitCode } from './exit-codes.ts';

/** `-e NAME=value` (repeatable): a value for an input the scenario declares in its env; run and validate. */
export const envOption = {
  alias: 'e',
  type: 'string',
  array: true,
  default: [] as string[],
  describe: 'Set a declared scenario input, e.g. -e RATE=20/s (repeatable); overrides the environment',
} as const;

export const validateCommand = {
  command: 'validate <scenario>',
  describe: 'Check a scenario file without running it',
  builder: (y: Argv) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario file (.ts)' })
      .option('env', envOption),
};

export async function validateHandler(args: { scenario: string; env?: string[] }): Promise<number> {
  const { plan, hash, env } = await loadScenario(args.scenario, { env: parseEnvArgs(args.env ?? []) });
  // A will group has no devices of its own: its fleet's devices leave the wills.
  const groups = plan.groups.filter((g) => g.kind !== 'will');
  const devices = groups.reduce((n, g) => n + g.count, 0);
  process.stdout.write(`${args.scenario}: valid (sha256 ${hash})\n`);
  process.stdout.write(
    `  ${plan.name}: ${groups.length} groups, ${devices} devices, duration ${formatDurationMs(plan.durationMs)}\n`,
  );
  const inputs = Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
  if (env) process.stdout.write(`  env: ${inputs.join(', ') || '(none)'}\n`);
  for (const g of groups) {
    const role = g.publish
      ? g.kind === 'command'
        ? `commands ${g.publish.commandTo}`
        : `publishes ${g.publish.topic}`
      : g.subscribe?.length
        ? `subscribes ${g.subscribe.join(', ')}`
        : 'receives what is sent to it';
    process.stdout.write(
      `  - ${g.name}: ${g.count} × ${g.protocol} (${g.kind}), ${role}${g.receives.length ? `, expects ${g.receives.join(', ')}` : ''}${g.will ? `, leaves Last Wills on ${plan.groups.find((w) => w.name === g.will)?.willOf?.topic}` : ''}\n`,
    );
  }
  for (const w of checkCapacity(plan, 1, false)) process.stderr.write(`fleetbench: warning: ${w}\n`);
  return ExitCode.ok;
}
