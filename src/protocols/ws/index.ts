// The WebSocket bridge driver: plain WebSocket clients (ws://, wss://) of a bridge that speaks
// the JSON protocol of bridge-protocol.ts (the reference gateway, or the embedded hub).
import type { Driver } from '../driver.ts';
import { WsDevice } from './device.ts';
import { startEmbeddedWs } from './embedded.ts';
import { type ResolvedWsOptions, resolveWsOptions } from './options.ts';
import { wsStats } from './stats.ts';

export const wsDriver: Driver<ResolvedWsOptions> = {
  name: 'ws',
  schemes: ['ws', 'wss'],
  resolveOptions: resolveWsOptions,
  createDevice: (init, events) => new WsDevice(init, events),
  // A 'published' answer only says the bridge took the message; nothing acknowledges the
  // delivery to a subscriber, and a bridge may drop for a slow consumer. TCP keeps one
  // connection's frames in order and never repeats them, and the hub sends a message once per
  // client however many of its filters match.
  promise(_from, _to, receiverCodes) {
    // What the bridge said it could not deliver to the receivers explains their loss.
    const overflow = receiverCodes.get('error|overflow') ?? 0;
    const label = 'WebSocket bridge (TCP, no end-to-end acknowledgement)';
    return {
      label: overflow > 0 ? `${label}, ${overflow} overflowed at the bridge (slow consumer)` : label,
      noLoss: false,
      noDuplicates: true,
    };
  },
  startEmbedded: () => startEmbeddedWs(),
  stats: wsStats,
  // The bridge answers every publish with 'published' (bridge-protocol.ts).
  acknowledges: () => true,
};

export { WsDevice } from './device.ts';
export { startEmbeddedWs } from './embedded.ts';
export { WsFanout, type WsFanoutOptions, type WsFanoutStats } from './fanout.ts';
export { type ResolvedWsOptions, type WsOptions, ws } from './options.ts';
