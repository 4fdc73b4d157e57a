// The live progress line on stderr: redrawn in place on a terminal, one line every few
// seconds otherwise (CI logs).
import { formatUs } from '../base/format.ts';
import type { Progress } from '../runner/progress.ts';
import { clip, terminalWidth, width } from './format.ts';

export function progressReporter(
  stream: NodeJS.WriteStream,
  quiet: boolean,
): { update(p: Progress): void; done(): void } {
  const tty = stream.isTTY === true;
  // On a terminal the last column stays free: writing into it wraps and breaks the redraw.
  const columns = (): number => terminalWidth(stream) - (tty ? 1 : 0);
  let lastPrinted = 0;
  let drawn = false;
  return {
    update(p) {
      if (quiet) return;
      const line = render(p, columns());
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

/** The line, in short words when the long ones do not fit, cut at `maxWidth` as a last resort. */
export function render(p: Progress, maxWidth = Infinity): string {
  const clock = p.elapsedS < 0 ? 'connecting' : `${Math.min(p.elapsedS, p.durationS).toFixed(0)}s/${p.durationS}s`;
  const p99 = p.p99Us === undefined ? '-' : formatUs(p.p99Us);
  const long = `[${clock}${p.phase === 'drain' ? ' draining' : ''}] devices ${p.connected}/${p.devices} | sent ${p.sentPerS}/s recv ${p.receivedPerS}/s | p99 ${p99} | errors ${p.errors}`;
  if (width(long) <= maxWidth) return long;
  const short = `[${clock}${p.phase === 'drain' ? ' drain' : ''}] dev ${p.connected}/${p.devices} tx ${p.sentPerS}/s rx ${p.receivedPerS}/s p99 ${p99} err ${p.errors}`;
  return clip(short, maxWidth);
}
