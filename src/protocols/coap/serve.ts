// A serving device's side of CoAP (a virtual sensor): its own server on its own port, holding
// its one resource from the start so observers can register before the first reading.
import { isIP } from 'node:net';
import type { DeviceInit } from '../driver.ts';
import type { ResolvedCoapOptions } from './options.ts';
import { CoapServer, type ServerEvents } from './server.ts';

/** Starts the server of a device with `serve` options, on its base port plus the device's index. */
export async function serveResource(
  init: DeviceInit<ResolvedCoapOptions>,
  dedupCapacity: number,
  events: ServerEvents,
): Promise<CoapServer> {
  const { options } = init;
  const serve = options.serve;
  if (!serve) throw new Error('serveResource: the options serve nothing');
  const server = new CoapServer(
    {
      writable: false,
      transmission: options.transmission,
      notify: serve.notify,
      maxAgeSec: serve.maxAgeSec,
      blockSize: options.blockSize,
      random: Math.random,
      dedupCapacity,
      events,
    },
    isIP(serve.host) === 6 ? 'udp6' : 'udp4',
  );
  await server.listen(serve.port + init.index, serve.host);
  if (init.resource !== undefined) server.define(init.resource, options.contentFormat);
  return server;
}
