// What a server refuses in a request's options before it looks at the resource (RFC 7252 §5.4):
// unrecognized critical options, a proxy request to a server that is not a proxy, and block
// options with the reserved size. Elective options it does not know are ignored (§5.4.1).
import { decodeBlock, option, type ParsedPacket } from './codec.ts';

/**
 * Critical options (odd numbers, §5.4.6) the server acts on: Uri-Host and Uri-Port (§5.10.1: it
 * serves one host, so they are taken as naming it), Uri-Path, Uri-Query, Accept (§5.10.4),
 * Block2 and Block1 (RFC 7959). If-Match and If-None-Match (§5.10.8) are not implemented, so
 * they are unrecognized: a conditional request is refused rather than done unconditionally.
 */
const RECOGNIZED = new Set(['Uri-Host', 'Uri-Port', 'Uri-Path', 'Uri-Query', 'Accept', 'Block2', 'Block1']);
/** §5.10: the critical options that may occur more than once. */
const REPEATABLE = new Set(['Uri-Path', 'Uri-Query']);
/** coap-packet's names of the critical options it knows, by number (it names others by their number). */
const NUMBERS: Readonly<Record<string, number>> = {
  'If-Match': 1,
  'Uri-Host': 3,
  'If-None-Match': 5,
  'Uri-Port': 7,
  OSCORE: 9,
  'Uri-Path': 11,
  'Uri-Query': 15,
  Accept: 17,
  'Q-Block1': 19,
  Block2: 23,
  Block1: 27,
  'Q-Block2': 31,
  'Proxy-Uri': 35,
  'Proxy-Scheme': 39,
};

const isCritical = (name: string): boolean => ((NUMBERS[name] ?? Number(name)) & 1) === 1;

/** The response code that refuses `packet` for its options, or undefined when they are fine. */
export function optionRefusal(packet: ParsedPacket): '4.00' | '4.02' | '5.05' | undefined {
  const seen = new Set<string>();
  let proxy = false;
  for (const o of packet.options) {
    const name = String(o.name);
    if (!isCritical(name)) continue;
    // §5.10.2: a server that is not a forward-proxy answers Proxy-Uri / Proxy-Scheme with 5.05.
    if (name === 'Proxy-Uri' || name === 'Proxy-Scheme') proxy = true;
    // §5.4.1 unrecognized; §5.4.5 a non-repeatable option repeated counts as unrecognized.
    else if (!RECOGNIZED.has(name) || (seen.has(name) && !REPEATABLE.has(name))) return '4.02';
    seen.add(name);
  }
  if (proxy) return '5.05';
  // RFC 7959 §2.2: SZX 7 is reserved and "MUST lead to a 4.00 Bad Request" in a request.
  for (const name of ['Block1', 'Block2'])
    if (seen.has(name) && decodeBlock(option(packet, name)) === undefined) return '4.00';
  return undefined;
}
