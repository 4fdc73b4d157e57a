// The WebSocket bridge driver's code book: frames, the bridge's subscription confirmations and
// error frames (bridge-protocol.ts), publishes left unanswered, and close codes (RFC 6455 §7.4.1).
import { type CodeWords, codeBook } from '../../metrics/codes.ts';

const CLOSE: Readonly<Record<string, string>> = {
  '1000': 'normal closure',
  '1001': 'going away',
  '1002': 'protocol error',
  '1003': 'unsupported data',
  '1006': 'abnormal closure (no close frame)',
  '1008': 'policy violation',
  '1009': 'message too big',
  '1011': 'internal error',
  '1012': 'service restart',
  '1013': 'try again later',
};

export const WS_CODES = codeBook({
  frame: { codes: { sent: false, received: false, invalid: true } },
  subscribed: { codes: { ok: false } },
  publish: {
    codes: { unanswered: { meaning: "publish with no 'published' answer when its connection closed", notable: true } },
  },
  // The bridge's error frames by code (bad_filter, overflow, ...).
  error: {
    describe: (code: string): CodeWords => ({ meaning: `error frame: ${code.replace(/_/g, ' ')}`, notable: true }),
  },
  close: {
    describe(code: string): CodeWords {
      const words = CLOSE[code];
      return words
        ? { meaning: `WebSocket close: ${words}`, notable: code !== '1000' && code !== '1001' }
        : { meaning: `WebSocket close code ${code}`, notable: true };
    },
  },
});
