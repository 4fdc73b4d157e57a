// A schedule that sends `n` messages `gapMs` apart, the first one gap after `afterMs` (default 0:
// the start of the send phase), then nothing until the phase ends. Probe files import this; it
// is not a probe itself. (A fleet's `messages` limit would end the send phase as soon as every
// sender reached it, and an observer's planned `offline.to` after that would never come.)
import { stages } from 'fleetbench';

export function burst(n: number, gapMs: number, afterMs = 0): ReturnType<typeof stages> {
  const rate = `${1000 / gapMs}/s`;
  // n + 0.4 sends' worth at the rate (the n-th is due at n × gap), then the rate falls to 0 within 1 ms.
  const sending = [
    { target: rate, duration: `${Math.round((n + 0.4) * gapMs)}ms` },
    { target: '0/s', duration: '1ms' },
  ];
  if (afterMs === 0) return stages(sending, { from: rate });
  // Silent until afterMs, then up to the rate within 1 ms (a hundredth of a send at most).
  return stages([{ target: '0/s', duration: `${afterMs}ms` }, { target: rate, duration: '1ms' }, ...sending], {
    from: '0/s',
  });
}
