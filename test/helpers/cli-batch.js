// Runs many `fleetbench` command lines in one process, one after the other, through the same
// entry as the executable (src/cli/main.ts `main`), capturing each one's stdout, stderr and exit
// code: the input sweep's hundred cases cost one start-up instead of a hundred. Reads a JSON
// array of argument lists from the file named by argv[2]; writes a JSON array of
// { code, stdout, stderr, ms } to the file named by argv[3].
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../src/cli/main.ts');
const lines = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = [];
const write = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
for (const args of lines) {
  const captured = { stdout: '', stderr: '' };
  for (const name of ['stdout', 'stderr'])
    process[name].write = (chunk) => {
      captured[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    };
  const started = Date.now();
  let code;
  try {
    code = await main(args);
  } catch (err) {
    // main() never throws: if it does, the case shows it as what a user would have seen.
    captured.stderr += `internal error (thrown out of main): ${err?.stack ?? err}`;
    code = 3;
  }
  process.stdout.write = write.stdout;
  process.stderr.write = write.stderr;
  out.push({ code, ...captured, ms: Date.now() - started });
}
writeFileSync(process.argv[3], JSON.stringify(out));
process.exit(0);
