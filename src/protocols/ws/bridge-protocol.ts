// The JSON WebSocket bridge protocol spoken between dashboards and a bridge (the reference
// gateway, the embedded hub): one JSON object per text frame. Payloads are base64 so any bytes
// (the measurement stamp included) survive the trip exactly.
//
// client → bridge
//   { "type": "subscribe",   "topic": "fleet/+/gps", "id"?: 7 }    MQTT filter syntax (§4.7)
//   { "type": "unsubscribe", "topic": "fleet/+/gps", "id"?: 8 }
//   { "type": "publish",     "topic": "cmd/3", "payload": "<base64>", "id"?: 9 }
// bridge → client
//   { "type": "subscribed",  "topic": "...", "id"?: 7 }            once the filter is active
//   { "type": "unsubscribed","topic": "...", "id"?: 8 }
//   { "type": "published",   "topic": "...", "id": 9 }             a publish with an id was accepted
//   { "type": "message",     "topic": "...", "payload": "<base64>" }
//   { "type": "error",       "code": "bad_request" | "bad_filter" | "overflow" | ..., "message": "...", "id"?: n }

export type ClientFrame =
  | { type: 'subscribe'; topic: string; id?: number }
  | { type: 'unsubscribe'; topic: string; id?: number }
  | { type: 'publish'; topic: string; payload: string; id?: number };

export type BridgeFrame =
  | { type: 'subscribed'; topic: string; id?: number }
  | { type: 'unsubscribed'; topic: string; id?: number }
  | { type: 'published'; topic: string; id: number }
  | { type: 'message'; topic: string; payload: string }
  | { type: 'error'; code: string; message: string; id?: number };

/** Parses a client frame; returns an error description instead of throwing. */
export function parseClientFrame(text: string): ClientFrame | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { error: 'expected a JSON object' };
  const f = value as Record<string, unknown>;
  if (f.id !== undefined && !Number.isInteger(f.id)) return { error: 'id must be an integer' };
  if (typeof f.topic !== 'string' || f.topic.length === 0) return { error: 'topic must be a non-empty string' };
  switch (f.type) {
    case 'subscribe':
    case 'unsubscribe':
      return f as ClientFrame;
    case 'publish':
      if (typeof f.payload !== 'string') return { error: 'payload must be a base64 string' };
      return f as ClientFrame;
    default:
      return { error: `unknown type ${JSON.stringify(f.type)} (expected subscribe, unsubscribe or publish)` };
  }
}

/** Parses a bridge frame; undefined for anything that is not one. */
export function parseBridgeFrame(text: string): BridgeFrame | undefined {
  try {
    const f = JSON.parse(text) as BridgeFrame;
    return typeof f === 'object' && f !== null && typeof f.type === 'string' ? f : undefined;
  } catch {
    return undefined;
  }
}

/** The text of a message frame. */
export function messageFrame(topic: string, payload: Buffer): string {
  return JSON.stringify({ type: 'message', topic, payload: payload.toString('base64') });
}
