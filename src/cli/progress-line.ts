// The live progress line on stderr: redrawn in place on a terminal, one line every few
// seconds otherwise (CI logs).
import { formatUs } from '../base/format.ts';
import type { Progress } from '../runner/progress.ts';

export function progressReporter(
  stream: NodeJS.WriteStream,
  quiet: boolean,
): { update(p: Progress): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastPrinted = 0;
  let drawn = false;
  return {
    update(p) {
      if (quiet) return;
      const line = render(p);
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (Date.now() - lastPrinted >= 5000) {
        lastPrinted = Date.now();
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

function render(p: Progress): string {
  const clock = p.elapsedS < 0 ? 'connecting' : `${Math.min(p.elapsedS, p.durationS).toFixed(0)}s/${p.durationS}s`;
  return `[${clock}${p.phase === 'drain' ? ' draining' : ''}] devices ${p.connected}/${p.devices} | sent ${p.sentPerS}/s recv ${p.receivedPerS}/s | p99 ${p.p99Us === undefined ? '-' : formatUs(p.p99Us)} | errors ${p.errors}`;
}
