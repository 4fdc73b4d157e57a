// The WebSocket bridge driver: plain WebSocket clients (ws://, wss://) of a bridge that speaks
// the JSON protocol of bridge-protocol.ts (the reference gateway, or the embedded hub).

import { countOf } from '../../metrics/codes.ts';
import type { Driver } from '../driver.ts';
import { topicFiltersFor } from '../topics.ts';
import { WS_CODES } from './codes.ts';
import { WsDevice } from './device.ts';
import { startEmbeddedWs } from './embedded.ts';
import type { WsFanoutStats } from './fanout.ts';
import { filterProblem } from './filters.ts';
import { type ResolvedWsOptions, resolveWsOptions } from './options.ts';
import { type WsStats, wsStats, wsTable } from './stats.ts';

export const wsDriver = {
  name: 'ws',
  title: 'WebSocket bridge',
  schemes: ['ws', 'wss'],
  secureSchemes: ['wss'],
  transport: 'tcp',
  ackLabel: "publish → 'published'",
  codes: WS_CODES,
  resolveOptions: resolveWsOptions,
  createDevice: (init, events) => new WsDevice(init, events),
  // A 'published' answer only says the bridge took the message; nothing acknowledges the
  // delivery to a subscriber, and a bridge may drop for a slow consumer. TCP keeps one
  // connection's frames in order and never repeats them, and the hub sends a message once per
  // client however many of its filters match.
  promise(_from, _to, receiverCodes) {
    // What the bridge said it could not deliver to the receivers explains their loss.
    const overflow = countOf(receiverCodes, WS_CODES.keys.error.of('overflow'));
    const label = 'WebSocket bridge (TCP, no end-to-end acknowledgement)';
    return {
      label: overflow > 0 ? `${label}, ${overflow} overflowed at the bridge (slow consumer)` : label,
      short: 'WebSocket bridge',
      noLoss: false,
      noDuplicates: true,
    };
  },
  startEmbedded: () => startEmbeddedWs(),
  block: wsStats,
  table: wsTable,
  // The bridge's subscribe frames carry MQTT-style topic filters (bridge-protocol.ts).
  subscriptionsFor: topicFiltersFor,
  filterProblem(filter: string) {
    const problem = filterProblem(filter);
    return problem && `${JSON.stringify(filter)} is not a valid topic filter for the bridge: it ${problem}`;
  },
  // Header fields carry credentials (Authorization); TLS settings decide a handshake.
  connectionKey: (o) => [o.headers, o.tls],
  // The bridge answers every publish with 'published' (bridge-protocol.ts).
  acknowledges: () => true,
} satisfies Driver<ResolvedWsOptions, WsStats, WsFanoutStats>;

export { WsDevice } from './device.ts';
export { startEmbeddedWs } from './embedded.ts';
export { WsFanout, type WsFanoutOptions, type WsFanoutStats } from './fanout.ts';
export { type ResolvedWsOptions, type WsOptions, ws } from './options.ts';
