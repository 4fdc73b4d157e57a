// The embedded HTTP server: a sink on 127.0.0.1 (a free port) that takes every POST/PUT body as
// a received message, so a sensor fleet with no observers is still judged. It answers with no
// body: PUT 201 Created the first time a path is written, 204 after (RFC 9110 §9.3.4); POST 204.
import type { EmbeddedServer, SinkEvents } from '../driver.ts';
import { HttpListener } from './server.ts';

/** Paths remembered for PUT's 201-then-204; beyond this many, a PUT to a new path is answered 204. */
const EMBEDDED_PATH_CAPACITY = 1_000_000;

export async function startEmbeddedHttp(): Promise<EmbeddedServer> {
  // Until a sink is attached (a preflight, a test), what the server sees is not counted.
  let events: SinkEvents | undefined;
  const written = new Set<string>();
  const listener = new HttpListener(
    (method, path) => {
      if (method !== 'PUT' || written.has(path) || written.size >= EMBEDDED_PATH_CAPACITY) return 204;
      written.add(path);
      return 201;
    },
    {
      onMessage: (m) => events?.onMessage(m),
      onCode: (code) => events?.onCode(code),
      onError: (key, message) => events?.onError(key, message),
    },
  );
  const port = await listener.listen(0, '127.0.0.1');
  return {
    urls: { default: `http://127.0.0.1:${port}` },
    close: () => listener.close(),
    sink: {
      attach(e) {
        events = e;
      },
      get bytes() {
        return listener.bytes;
      },
    },
  };
}
