// Protocol codes (`result.codes`, 'fleet|packet|code' → count) in words, and which of them a
// reader should see: drops, failure reason codes, timeouts, resets, dead letters. The routine
// ones (PUBACK success, 2.04 Changed, frames sent) stay available in a collapsed table.
import { STATUS_CODES } from 'node:http';
import { reasonWords } from '../protocols/mqtt/codes.ts';

export interface CodeRow {
  fleet: string;
  packet: string;
  code: string;
  count: number;
  meaning: string;
  notable: boolean;
}

const COAP: Record<string, string> = {
  '2.01': 'Created',
  '2.02': 'Deleted',
  '2.03': 'Valid',
  '2.04': 'Changed',
  '2.05': 'Content',
  '2.31': 'Continue',
  '4.00': 'Bad Request',
  '4.01': 'Unauthorized',
  '4.02': 'Bad Option',
  '4.03': 'Forbidden',
  '4.04': 'Not Found',
  '4.05': 'Method Not Allowed',
  '4.06': 'Not Acceptable',
  '4.08': 'Request Entity Incomplete',
  '4.12': 'Precondition Failed',
  '4.13': 'Request Entity Too Large',
  '4.15': 'Unsupported Content-Format',
  '5.00': 'Internal Server Error',
  '5.01': 'Not Implemented',
  '5.02': 'Bad Gateway',
  '5.03': 'Service Unavailable',
  '5.04': 'Gateway Timeout',
  '5.05': 'Proxying Not Supported',
};

const DROPPED: Record<string, string> = {
  window_full: 'in-flight window full: the send was dropped',
  still_awake: "the previous report's sleep cycle was still running",
  connect_failed: 'the device was not connected',
  generator_behind: 'the generator fell behind its schedule',
};

const AMQP_REPLY: Record<string, string> = {
  '312': 'NO_ROUTE',
  '313': 'NO_CONSUMERS',
  '320': 'CONNECTION_FORCED',
  '403': 'ACCESS_REFUSED',
  '404': 'NOT_FOUND',
  '406': 'PRECONDITION_FAILED',
};

const WS_CLOSE: Record<string, string> = {
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

const MQTT_ACKS = new Set(['puback', 'pubrec', 'pubrel', 'pubcomp', 'disconnect', 'unsuback']);

/** Anomalies by packet: every code under these packets is worth a reader's attention. */
const ALWAYS_NOTABLE = new Set(['dropped', 'return', 'deadletter', 'error', 'connection']);
const NOTABLE: Record<string, ReadonlySet<string>> = {
  coap: new Set([
    'timeout',
    'rst_received',
    'abandoned',
    'non_unanswered',
    'malformed',
    'unmatched_ack',
    'unexpected_response',
    'retransmission',
    'duplicate_suppressed',
  ]),
  observe: new Set([
    'gap',
    'stale',
    'reregistration_failed',
    'deregistration_unanswered',
    'ended_by_server',
    'rst_sent',
  ]),
  reply: new Set(['correlation_mismatch']),
  confirm: new Set(['nack', 'unconfirmed_at_close']),
  tx: new Set(['commit_failed', 'held_lost']),
  http: new Set(['timeout', 'connection_failed', 'malformed_response', 'abandoned', 'bad_request']),
  tcp: new Set(['closed_by_server']),
  frame: new Set(['invalid']),
  publish: new Set(['unanswered']),
  consumer: new Set(['nack']),
};

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** A code in words, with whether it signals a problem. */
export function describeCode(protocol: string, packet: string, code: string): { meaning: string; notable: boolean } {
  const n = /^\d+$/.test(code) ? Number(code) : NaN;
  if (protocol === 'mqtt' && MQTT_ACKS.has(packet) && Number.isFinite(n)) {
    // 0x10 (no matching subscribers) and 0x11 are not errors, but they mean nobody got the message.
    return { meaning: `${reasonWords(n)} (${hex(n)})`, notable: n >= 0x10 };
  }
  if (protocol === 'mqtt' && packet === 'suback' && Number.isFinite(n)) {
    return n >= 0x80
      ? { meaning: `subscription refused: ${reasonWords(n)} (${hex(n)})`, notable: true }
      : { meaning: `granted QoS ${n}`, notable: false };
  }
  if (packet === 'response') {
    if (/^\d\.\d\d$/.test(code))
      return { meaning: `CoAP ${COAP[code] ?? 'response'}`, notable: code[0] === '4' || code[0] === '5' };
    if (Number.isFinite(n)) return { meaning: `HTTP ${STATUS_CODES[n] ?? 'status'}`, notable: n >= 400 };
  }
  if (packet === 'dropped') return { meaning: DROPPED[code] ?? 'send dropped', notable: true };
  if (packet === 'return')
    return { meaning: `returned unroutable: ${AMQP_REPLY[code] ?? 'reply code'} ${code}`, notable: true };
  if (packet === 'deadletter') return { meaning: `dead-lettered: ${code}`, notable: true };
  if (packet === 'close' && WS_CLOSE[code])
    return { meaning: `WebSocket close: ${WS_CLOSE[code]}`, notable: code !== '1000' && code !== '1001' };
  if (packet === 'error') return { meaning: 'error frame', notable: true };
  const notable = ALWAYS_NOTABLE.has(packet) || (NOTABLE[packet]?.has(code) ?? false);
  return { meaning: code.replace(/_/g, ' '), notable };
}

/** Every counted code, notable ones first, then by count. */
export function codeRows(codes: Record<string, number>, protocolOf: (fleet: string) => string): CodeRow[] {
  const rows: CodeRow[] = [];
  for (const [key, count] of Object.entries(codes ?? {})) {
    const a = key.indexOf('|');
    const b = a < 0 ? -1 : key.indexOf('|', a + 1);
    if (a < 0 || b < 0) continue;
    const fleet = key.slice(0, a);
    const packet = key.slice(a + 1, b);
    const code = key.slice(b + 1);
    rows.push({ fleet, packet, code, count, ...describeCode(protocolOf(fleet), packet, code) });
  }
  return rows.sort(
    (x, y) => Number(y.notable) - Number(x.notable) || y.count - x.count || x.fleet.localeCompare(y.fleet),
  );
}

/** An error code as counted ('FB_CONNECT_REJECTED:134'), split into the code and the protocol's reason code. */
export function splitErrorCode(code: string): { code: string; reason: string } {
  const colon = code.indexOf(':');
  if (colon < 0) return { code, reason: '' };
  const reason = code.slice(colon + 1);
  const n = /^\d+$/.test(reason) ? Number(reason) : NaN;
  return {
    code: code.slice(0, colon),
    reason: Number.isFinite(n) && n > 9 && n < 256 ? `${reason} (${hex(n)})` : reason,
  };
}
