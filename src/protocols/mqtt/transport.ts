// The byte stream under one MQTT connection: TCP for mqtt:// (tcp://), TLS for mqtts://
// (ssl://), and a WebSocket carrying MQTT in binary frames for ws:// and wss:// (MQTT 3.1.1
// §6, 5.0 §6: subprotocol "mqtt"), as MQTT.js builds them: the URL's path is the WebSocket's
// (default '/'), TLS options are the device's (ca, client certificate, SNI).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import WebSocket, { createWebSocketStream } from 'ws';
import { tlsConnectOptions } from '../tls.ts';
import { type TlsMeter, wsCreateConnection } from '../tls-meter.ts';
import type { ResolvedMqttOptions } from './options.ts';

const DEFAULT_PORTS: Record<string, number> = { mqtt: 1883, tcp: 1883, mqtts: 8883, ssl: 8883, ws: 80, wss: 443 };

/** Parsed once per distinct target URL: devices of a fleet share the parts. */
interface Target {
  scheme: string;
  host: string;
  port: number;
  /** ws/wss: the WebSocket URL without credentials. */
  wsUrl: string;
  username: string | undefined;
  password: string | undefined;
}

const targets = new Map<string, Target>();

export function targetOf(url: string): Target {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    const scheme = u.protocol.replace(/:$/, '');
    // IPv6 literals come bracketed in a URL; sockets want them bare.
    const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
    const port = u.port ? Number(u.port) : (DEFAULT_PORTS[scheme] ?? 1883);
    const wsHost = u.hostname || 'localhost';
    t = {
      scheme,
      host,
      port,
      wsUrl: `${scheme}://${wsHost}:${port}${u.pathname || '/'}${u.search}`,
      username: u.username ? decodeURIComponent(u.username) : undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
    };
    targets.set(url, t);
  }
  return t;
}

/** How a plain TCP socket reads (net's `onread`): into a buffer shared by the worker's devices. */
export interface SharedRead {
  buffer: Buffer;
  callback: (nread: number, buf: Buffer) => boolean;
}

/** Whether the URL's connection runs over TLS (its handshake counted in the wire's `secure`). */
export function isSecure(url: string): boolean {
  const s = targetOf(url).scheme;
  return s === 'mqtts' || s === 'ssl' || s === 'wss';
}

/**
 * Opens the connection's stream; bytes written before it is open are queued by Node.
 * `localAddress`: the source address of the connection (the scenario's sourceAddresses).
 * `meter`: the device's TLS meter (mqtts, ssl, wss), which counts the handshake and offers the
 * previous session.
 */
export function openStream(
  url: string,
  o: ResolvedMqttOptions,
  onread?: SharedRead,
  localAddress?: string,
  meter?: TlsMeter,
): Duplex {
  const t = targetOf(url);
  const local = localAddress ? { localAddress } : {};
  switch (t.scheme) {
    case 'mqtts':
    case 'ssl': {
      const opts: tls.ConnectionOptions = { host: t.host, port: t.port, ...local, ...tlsConnectOptions(o.tls) };
      // SNI needs a name, never an IP address (RFC 6066 §3).
      if (opts.servername === undefined && net.isIP(t.host) === 0) opts.servername = t.host;
      const s = meter ? meter.connect(opts) : tls.connect(opts);
      s.setNoDelay(o.tcpNoDelay);
      return s;
    }
    case 'ws':
    case 'wss': {
      const ws = new WebSocket(t.wsUrl, ['mqtt'], {
        ...local,
        ...(t.scheme === 'wss' ? tlsConnectOptions(o.tls) : {}),
        ...(t.scheme === 'wss' && meter ? { createConnection: wsCreateConnection(meter) } : {}),
      });
      const stream = createWebSocketStream(ws);
      // A WebSocket closed by its peer ends the stream at once (MQTT.js does the same).
      ws.on('close', () => stream.destroy());
      return stream;
    }
    default: {
      // net.createConnection looked up at call time: a test times the socket's creation by wrapping it.
      const s = net.createConnection({ host: t.host, port: t.port, ...local, ...(onread ? { onread } : {}) });
      // Nagle + delayed ACK would add up to 40 ms per small packet on loopback and bury the
      // broker's latency, so Nagle is disabled by default, as emqtt-bench does (tcpNoDelay: false restores it).
      s.setNoDelay(o.tcpNoDelay);
      return s;
    }
  }
}
