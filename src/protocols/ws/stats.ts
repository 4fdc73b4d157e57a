// The `fleets.<name>.ws` block of a result, from the codes a WebSocket bridge group counted.
import { codesUnder } from '../codes.ts';

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

export function wsStats(codes: ReadonlyMap<string, number>): WsStats {
  const n = (key: string): number => codes.get(key) ?? 0;
  const byCode = (packet: string): Record<string, number> => codesUnder(codes, packet);
  const stats: WsStats = {
    frames: { sent: n('frame|sent'), received: n('frame|received'), invalid: n('frame|invalid') },
    subscriptions: n('subscribed|ok'),
    errors: byCode('error'),
    overflow: n('error|overflow'),
    unanswered: n('publish|unanswered'),
    closes: byCode('close'),
  };
  return stats;
}
