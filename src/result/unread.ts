// Sent messages the peer had not been shown to read when the devices closed (`fleets.<name>.unread`),
// as one line per group for the console, the report, the Markdown verdict and JUnit. "Sent" means
// written to the kernel; the headline rate (`rates.sentPerS`) already leaves these out.
import { formatBytes, formatCount } from '../base/format.ts';
import type { FleetResult, RunResult } from './types.ts';

export interface UnreadLine {
  group: string;
  messages: number;
  bytes: number;
  text: string;
}

/** One line per group with messages still unread at close, in the result's group order; none when all were read. */
export function unreadLines(result: RunResult): UnreadLine[] {
  const out: UnreadLine[] = [];
  for (const [group, f] of Object.entries(result.fleets)) {
    const u = f.unread;
    if (!u || u.messages <= 0) continue;
    const written = f.rates.writtenPerS === undefined ? '' : ` (${f.rates.writtenPerS}/s written to the kernel)`;
    out.push({
      group,
      messages: u.messages,
      bytes: u.bytes,
      text: `${group}: ${formatCount(u.messages)} of ${formatCount(f.messages.sent)} sent messages (${formatBytes(u.bytes)}) still unread by the peer at close; the rate ${f.rates.sentPerS}/s counts only what it read${written}`,
    });
  }
  return out;
}

/** ' (12345 unread)' after a group's sent count when some were still unread at close, else ''. */
export function unreadSuffix(f: FleetResult): string {
  return f.unread && f.unread.messages > 0 ? ` (${formatCount(f.unread.messages)} unread)` : '';
}
