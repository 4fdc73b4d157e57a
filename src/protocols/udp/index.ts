// The UDP driver: raw datagrams, each message's payload as one datagram, answered by an 8-byte
// application ack (endpoint.ts). The smallest complete driver, and a baseline beside CoAP: what
// a reading costs with no protocol at all. docs/writing-a-driver.md walks through it.
import type { Driver } from '../driver.ts';
import { UDP_CODES } from './codes.ts';
import { UdpDevice } from './device.ts';
import { startEmbeddedUdp } from './embedded.ts';
import { type ResolvedUdpOptions, resolveUdpOptions } from './options.ts';
import { type UdpStats, udpStats, udpTable } from './stats.ts';

export const udpDriver = {
  name: 'udp',
  title: 'UDP',
  schemes: ['udp'],
  secureSchemes: [],
  transport: 'udp',
  ackLabel: 'datagram → ack',
  codes: UDP_CODES,
  resolveOptions: resolveUdpOptions,
  createDevice: (init, events) => new UdpDevice(init, events),
  // RFC 768: a datagram is sent once and may be lost or duplicated on the way; the ack tells the
  // sender, which never retransmits.
  promise: () => ({
    label: 'UDP datagram (sent once, no delivery guarantee)',
    short: 'UDP',
    noLoss: false,
    noDuplicates: false,
  }),
  // No credentials, no handshake: any reachable port takes datagrams.
  connectionKey: () => null,
  startEmbedded: startEmbeddedUdp,
  isServer: (o) => o.listen !== undefined,
  deliversToServer: (o) => o.listen === undefined,
  // Receivers listen on their own ports and take whatever is sent to them; senders address one of
  // them (or the collector), so the group receives each message once.
  subscriptionsFor: () => [],
  receiverMode: (o) => (o.listen ? 'group' : 'each'),
  block: udpStats,
  table: udpTable,
  acknowledges: (o) => o.ack,
  checkGroup(check, path, group, options) {
    if (group.kind === 'observer' && !options.listen)
      check.note(`${path}.protocol`, 'UDP observers listen for datagrams: give listen: { port }');
    if (options.listen && group.kind !== 'observer')
      check.note(`${path}.protocol.listen`, 'is for observers; fleets and commands send to a target');
    if (options.listen) check.portRange(`${path}.protocol.listen.port`, options.listen.port, group.count);
  },
} satisfies Driver<ResolvedUdpOptions, UdpStats>;

export { type ResolvedUdpOptions, type UdpOptions, udp } from './options.ts';
