// The scenario's source-address pool (`sourceAddresses`): local addresses the devices' sockets
// bind to, so a run past one address's ephemeral ports (about 28,000 per destination on Linux,
// ip_local_port_range) spreads its connections. Device i of every fleet uses pool[i mod size].
import { isIP } from 'node:net';
import type { Checker } from '../base/check.ts';
import { show } from '../base/check.ts';

/** More addresses than this is a CIDR typo (/8 instead of /28): 65,536 is a /16. */
export const MAX_SOURCE_ADDRESSES = 65_536;

const EXPECTED = "a list of IP addresses like ['127.0.0.2', '127.0.0.3'], or an IPv4 CIDR like '127.0.0.0/29'";

/** The pool, validated and expanded; undefined (with a problem noted) when invalid or absent. */
export function resolveSourceAddresses(check: Checker, raw: unknown): string[] | undefined {
  const path = 'sourceAddresses';
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    if (!raw.includes('/')) return isIP(raw) ? [raw] : check.fail(path, EXPECTED, raw);
    const expanded = expandCidr(raw);
    if (typeof expanded === 'string') return void check.note(path, `${show(raw)}: ${expanded}`);
    return expanded;
  }
  if (!Array.isArray(raw) || raw.length === 0) return check.fail(path, EXPECTED, raw);
  const seen = new Set<string>();
  raw.forEach((a, i) => {
    if (typeof a !== 'string' || isIP(a) === 0) check.fail(`${path}[${i}]`, 'an IP address like 127.0.0.2', a);
    else if (seen.has(a)) check.note(`${path}[${i}]`, `${show(a)} is listed twice`);
    else seen.add(a);
  });
  if (raw.length > MAX_SOURCE_ADDRESSES)
    check.note(path, `${raw.length} addresses: at most ${MAX_SOURCE_ADDRESSES} (the limit)`);
  return seen.size === raw.length ? [...seen] : undefined;
}

/**
 * The host addresses of an IPv4 CIDR block: without its network and broadcast addresses for
 * prefixes below /31 (RFC 950), every address of a /31 (RFC 3021) and the one of a /32. A
 * string is the problem.
 */
export function expandCidr(cidr: string): string[] | string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = Number(m?.[5]);
  if (!m || octets.some((o) => o > 255) || prefix > 32)
    return 'expected an IPv4 CIDR a.b.c.d/p with p from 0 to 32 (IPv6 sources are listed one by one)';
  const size = 2 ** (32 - prefix);
  const hosts = prefix < 31 ? size - 2 : size;
  if (hosts > MAX_SOURCE_ADDRESSES)
    return `${hosts.toLocaleString('en-US')} addresses: at most ${MAX_SOURCE_ADDRESSES} (the limit; a /16 holds that many)`;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const network = address - (address % size);
  if (network !== address)
    return `host bits set: the block starts at ${dotted(network)} (write ${dotted(network)}/${prefix})`;
  const first = prefix < 31 ? network + 1 : network;
  return Array.from({ length: hosts }, (_, i) => dotted(first + i));
}

function dotted(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The local address device `index` of a fleet binds to, when the scenario has a pool. */
export function sourceAddressOf(pool: readonly string[] | undefined, index: number): string | undefined {
  return pool && pool.length > 0 ? pool[index % pool.length] : undefined;
}
