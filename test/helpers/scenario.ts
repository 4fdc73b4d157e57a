// Scenario files for tests, written inside the project (test/.tmp/) so that
// `import ... from 'fleetbench'` resolves through the package's self-reference.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const TMP = join(ROOT, 'test', '.tmp');

let counter = 0;

/**
 * The drain of test scenarios whose checks need every message still in flight when the send phase
 * ends to be answered or delivered (exact acked and received counts). The runner's drain is a fixed
 * wait, not a condition: it must cover the slowest last exchange on a loaded machine, where a
 * loopback round trip that takes a millisecond when quiet can take a few hundred. 2 s is the
 * runner's default; pipelines with more hops or fan-out use longer drains of their own.
 */
export const DRAIN = '2s';

/** Writes a scenario module (the text after the import line) and returns its path. */
export function writeScenario(name: string, body: string): string {
  mkdirSync(TMP, { recursive: true });
  const file = join(TMP, `${name}-${process.pid}-${counter++}.ts`);
  writeFileSync(
    file,
    `import { defineScenario, mqtt, coap, http, amqp, ws, udp, every, poisson, stages, json, bytes, template } from 'fleetbench';\nvoid [mqtt, coap, http, amqp, ws, udp, every, poisson, stages, json, bytes, template];\n${body}\n`,
  );
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `fleetbench` executable. `onSpawn` gets the child (e.g. to send SIGINT). The
 * child does not inherit COLUMNS or GITHUB_STEP_SUMMARY (a test sets them through `env`), so
 * tests run inside a CI job neither change width nor write to the job's summary.
 */
export function runCli(
  args: string[],
  options: {
    cwd?: string;
    timeoutMs?: number;
    onSpawn?: (child: ReturnType<typeof spawn>) => void;
    /** Extra environment variables for the child. */
    env?: Record<string, string>;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const { COLUMNS: _width, GITHUB_STEP_SUMMARY: _summary, ...inherited } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'src/bin/fleetbench.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...inherited, FORCE_COLOR: '0', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `fleetbench ${args.join(' ')} did not finish in ${options.timeoutMs ?? 60_000}ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

export const TMP_DIR = TMP;
