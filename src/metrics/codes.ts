// Protocol codes: what drivers (and the run itself) count through DeviceEvents.onCode, such as a
// PUBACK reason code, a CoAP retransmission or an HTTP status. A code is a 'packet|code' key
// (CodeKey); a group's count of it is kept under 'group|packet|code' in snapshots and results.
// Keys are built and split only in this module. Each driver declares its packets once in a
// CodeBook: its devices count through the book's keys, its result block reads through them, and
// the report asks the book what a code means and whether a reader should see it.

/** 'packet|code', e.g. 'puback|16'. Built by a CodeBook, never by hand. */
export type CodeKey = string & { readonly __codeKey: unique symbol };

/** A code in words, and whether it signals something a reader should look at. */
export interface CodeWords {
  meaning: string;
  notable: boolean;
  /**
   * Counting it fails the run's `protocol_errors` health check: the peer broke its protocol (an
   * acknowledgement of the wrong type), or sends were refused because they break a limit the
   * peer announced. Absent: false.
   */
  fails?: boolean;
}

/** A group's counted codes: CodeKey → count. */
export type CodeCounts = ReadonlyMap<string, number>;

/** A packet with a fixed set of codes: `true` marks a notable one; an object gives its words. */
export interface FixedPacket {
  codes: Readonly<Record<string, boolean | Partial<CodeWords>>>;
  /** Every code of this packet is notable (drops, dead letters). */
  notable?: boolean;
}

/** A packet whose codes are values (status codes, reason codes): `describe` puts one in words. */
export interface OpenPacket {
  describe(code: string): CodeWords;
}

export type PacketSpec = FixedPacket | OpenPacket;

/** The key builder of an open packet: `of(204)` is 'response|204'. */
export interface OpenCodes {
  readonly packet: string;
  of(value: string | number): CodeKey;
}

export type BookKeys<S extends Record<string, PacketSpec>> = {
  readonly [P in keyof S]: S[P] extends FixedPacket ? { readonly [C in keyof S[P]['codes']]: CodeKey } : OpenCodes;
};

export interface CodeBook<S extends Record<string, PacketSpec> = Record<string, PacketSpec>> {
  /** The keys devices count and stats read: `book.keys.coap.retransmission`, `book.keys.response.of(204)`. */
  readonly keys: BookKeys<S>;
  /** A counted code in words; undefined when the packet is not this book's. */
  describe(packet: string, code: string): CodeWords | undefined;
}

function key(packet: string, code: string | number): CodeKey {
  return `${packet}|${code}` as CodeKey;
}

function isOpen(spec: PacketSpec): spec is OpenPacket {
  return typeof (spec as OpenPacket).describe === 'function';
}

/** Declares a vocabulary: packets with their fixed codes or a describer for open values. */
export function codeBook<const S extends Record<string, PacketSpec>>(spec: S): CodeBook<S> {
  const keys: Record<string, Record<string, CodeKey> | OpenCodes> = {};
  for (const [packet, p] of Object.entries(spec)) {
    if (isOpen(p)) keys[packet] = { packet, of: (value) => key(packet, value) };
    else keys[packet] = Object.fromEntries(Object.keys(p.codes).map((code) => [code, key(packet, code)]));
  }
  return {
    keys: keys as BookKeys<S>,
    describe(packet, code) {
      const p = Object.hasOwn(spec, packet) ? spec[packet] : undefined;
      if (!p) return undefined;
      if (isOpen(p)) return p.describe(code);
      const words = Object.hasOwn(p.codes, code) ? p.codes[code] : undefined;
      const meaning = (typeof words === 'object' ? words.meaning : undefined) ?? code.replace(/_/g, ' ');
      const notable = p.notable === true || words === true || (typeof words === 'object' && words.notable === true);
      return typeof words === 'object' && words.fails === true
        ? { meaning, notable, fails: true }
        : { meaning, notable };
    },
  };
}

/** How often one code was counted; 0 when never. */
export function countOf(codes: CodeCounts, code: CodeKey): number {
  return codes.get(code) ?? 0;
}

/** Every value counted under an open packet, as { value: count }. */
export function countsUnder(codes: CodeCounts, packet: OpenCodes): Record<string, number> {
  const prefix = `${packet.packet}|`;
  const out: Record<string, number> = {};
  for (const [k, n] of codes) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = n;
  return out;
}

/** The key of a group's count of a code: 'group|packet|code'. */
export function groupCodeKey(group: string, code: CodeKey): string {
  return `${group}|${code}`;
}

/** A result's code key ('group|packet|code') split; undefined when it is not one. */
export function splitGroupCodeKey(k: string): { group: string; packet: string; code: string } | undefined {
  const a = k.indexOf('|');
  const b = a < 0 ? -1 : k.indexOf('|', a + 1);
  if (a < 0 || b < 0) return undefined;
  return { group: k.slice(0, a), packet: k.slice(a + 1, b), code: k.slice(b + 1) };
}

/** One group's codes out of every group's ('group|packet|code' → count), as CodeKey → count. */
export function codesOf(all: CodeCounts, group: string): Map<string, number> {
  const prefix = `${group}|`;
  const out = new Map<string, number>();
  for (const [k, n] of all) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), n);
  return out;
}

/** Why the run counts a connection as lost; the injected ones are the scenario's faults. */
export const DISCONNECT_CAUSES = [
  'closed',
  'reset',
  'keepalive_timeout',
  'server_disconnect',
  'error',
  'injected_kill',
  'injected_disconnect',
] as const;
export type DisconnectCauseCode = (typeof DISCONNECT_CAUSES)[number];

const CAUSE_WORDS: Record<DisconnectCauseCode, Partial<CodeWords>> = {
  closed: { meaning: 'the peer closed the connection' },
  reset: { meaning: 'the connection was reset' },
  keepalive_timeout: { meaning: 'nothing came back within the keep-alive: the connection was given up' },
  server_disconnect: { meaning: 'the server said it was closing the connection' },
  error: { meaning: 'the connection failed with an error' },
  injected_kill: { meaning: "a scripted fault killed the device's connection" },
  injected_disconnect: { meaning: 'a scripted fault disconnected the device' },
};

/** A group's lost connections by cause, most first, from every group's codes ('group|packet|code' → count). */
export function disconnectCauses(
  codes: Readonly<Record<string, number>>,
  group: string,
): [DisconnectCauseCode, number][] {
  const out: [DisconnectCauseCode, number][] = [];
  for (const cause of DISCONNECT_CAUSES) {
    const n = codes[groupCodeKey(group, RUN_CODES.keys.lost[cause])] ?? 0;
    if (n > 0) out.push([cause, n]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}

/** What the run itself counts, whatever the protocol: sends it dropped, lost connections by cause, command replies, datagrams. */
export const RUN_CODES = codeBook({
  /** Devices each of the scenario's faults dropped, by its position in `faults`. */
  fault: {
    describe: (index) => ({ meaning: `dropped by faults[${index}]`, notable: false }),
  },
  dropped: {
    notable: true,
    codes: {
      window_full: { meaning: 'in-flight window full: the send was dropped' },
      still_awake: { meaning: "the previous report's sleep cycle was still running" },
      connect_failed: { meaning: 'the device could not connect to send its report' },
      // A device the run knows is down does not try: those sends are `unsent`, not dropped.
      not_connected: { meaning: 'the connection was found down as the send was made' },
      backpressure: { meaning: 'the socket was not draining: the send was dropped' },
      generator_behind: { meaning: 'the generator fell behind its schedule' },
      payload_error: { meaning: 'the payload function threw or returned what JSON cannot encode' },
      // The driver's errors say which limit (e.g. a packet above the peer's maximum size).
      refused: { meaning: 'the send would break a limit the peer announced: not sent', fails: true },
    },
  },
  // Why a connection was lost ('<group>|lost|<cause>'): the peer's or the network's doing, or
  // the scenario's own faults (injected_*). Counted once per loss, beside devices.disconnects.
  // Not 'disconnect': a protocol counts its own DISCONNECT packet's codes under that name.
  lost: { notable: true, codes: CAUSE_WORDS },
  reply: { codes: { correlated: false, correlation_mismatch: true, uncorrelated: false } },
  datagram: { codes: { sent: false, received: false } },
});
