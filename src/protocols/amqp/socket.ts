// The socket amqplib opens: its options (connect timeout, Nagle off, the connection's name, the
// source address, TLS). For amqps:// amqplib calls tls.connect itself, so the device hands it a
// TCP socket of the TLS meter's (tls.connect's `socket` option) and the session to resume, and
// has the handshake counted once amqplib's connection is up (see TlsMeter.socketFor).
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WireTotalsByKind } from '../../power/wire.ts';
import type { DeviceInit } from '../driver.ts';
import { tlsConnectOptions } from '../tls.ts';
import { addSecure, type SecureTotals, TlsMeter } from '../tls-meter.ts';
import type { ResolvedAmqpOptions } from './options.ts';

/** AMQP 0-9-1 §4.2.2: the protocol header amqplib writes at 'secureConnect', "AMQP" 0 0 9 1. */
const PROTOCOL_HEADER_BYTES = 8;

/** amqplib's socket options; `secure`: the TLS meter's socket and session (AmqpsMeter.open). */
export function socketOptions(init: DeviceInit<ResolvedAmqpOptions>, secure: object | undefined): object {
  return {
    timeout: init.connectTimeoutMs,
    noDelay: true,
    clientProperties: { connection_name: init.clientId },
    ...(init.localAddress ? { localAddress: init.localAddress } : {}), // to net/tls.connect
    ...tlsConnectOptions(init.options.tls),
    ...secure,
  };
}

export class AmqpsMeter {
  private readonly meter: TlsMeter;

  constructor(resume: boolean) {
    this.meter = new TlsMeter({ resume });
  }

  get totals(): SecureTotals {
    return this.meter.totals;
  }

  /** The socket options to add for amqplib, and `settle` to call with its socket once connected. */
  open(url: string, localAddress: string | undefined): { options: object; settle(socket: Socket): void } {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
    const port = u.port ? Number(u.port) : 5671;
    const s = this.meter.socketFor({ host, port, ...(localAddress ? { localAddress } : {}) });
    return {
      options: { socket: s.socket, ...(s.session ? { session: s.session } : {}) },
      settle: (socket) => s.settle(socket as TLSSocket, PROTOCOL_HEADER_BYTES),
    };
  }
}

/** The meter of a device whose URL is amqps://, else undefined. */
export function amqpsMeter(url: string, resume: boolean): AmqpsMeter | undefined {
  return /^amqps:/i.test(url) ? new AmqpsMeter(resume) : undefined;
}

/** The device's wire totals with its TLS handshakes (amqps) in `secure`. */
export function withSecure(w: WireTotalsByKind, meter: AmqpsMeter | undefined): WireTotalsByKind {
  if (meter) addSecure(w.secure, meter.totals);
  return w;
}
