// The `fleets.<name>.ws` block of a result, from the codes a WebSocket bridge group counted.
import { formatTally } from '../../base/format.ts';
import { type CodeKey, countOf, countsUnder } from '../../metrics/codes.ts';
import type { BlockInput, BlockTable } from '../driver.ts';
import { WS_CODES } from './codes.ts';

const C = WS_CODES.keys;

/** A ws group's block in the result (`fleets.<name>.ws`). */
export interface WsStats {
  frames: { sent: number; received: number; invalid: number };
  /** Subscriptions the bridge confirmed ('subscribed'). */
  subscriptions: number;
  /** Error frames received, by code (bad_filter, overflow, ...). */
  errors: Record<string, number>;
  /** Messages the bridge could not send to this group's devices because their buffer was full (error frames 'overflow'). */
  overflow: number;
  /** Publishes with no 'published' answer when their connection closed. */
  unanswered: number;
  /** Connections the bridge or network closed, by WebSocket close code (RFC 6455 §7.4.1). */
  closes: Record<string, number>;
}

export function wsStats({ codes }: BlockInput<unknown>): WsStats {
  const n = (code: CodeKey): number => countOf(codes, code);
  return {
    frames: { sent: n(C.frame.sent), received: n(C.frame.received), invalid: n(C.frame.invalid) },
    subscriptions: n(C.subscribed.ok),
    errors: countsUnder(codes, C.error),
    overflow: n(C.error.of('overflow')),
    unanswered: n(C.publish.unanswered),
    closes: countsUnder(codes, C.close),
  };
}

/** The console's and the report's ws table. */
export const wsTable: BlockTable<WsStats> = {
  columns: [
    { label: 'frames out/in' },
    { label: 'subscribed' },
    { label: 'error frames', align: 'l' },
    { label: 'overflow' },
    { label: 'unanswered' },
    { label: 'closes', align: 'l' },
  ],
  row: (w) => [
    `${w.frames.sent}/${w.frames.received}`,
    String(w.subscriptions),
    formatTally(w.errors),
    String(w.overflow),
    String(w.unanswered),
    formatTally(w.closes),
  ],
};
