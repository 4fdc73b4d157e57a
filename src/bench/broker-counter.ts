// Mosquitto's own count of PUBLISH packets received ($SYS/broker/publish/messages/received,
// refreshed every sys_interval, 10 s by default): the bench's check that what the generator
// handed to its sockets really reached the broker. A broker started with `sys_interval 1` (the
// engine bench's private Mosquitto) settles sooner: pass `quietMs` a little above the interval.
import { connect } from 'mqtt';

const TOPIC = '$SYS/broker/publish/messages/received';

export interface BrokerCounter {
  /**
   * The counter once it has stopped moving: no update for longer than the broker's publish
   * interval (so every byte still in socket buffers has been read and counted).
   */
  settled(timeoutMs: number): Promise<number | undefined>;
  /** The last value the broker published, however old. */
  latest(): number;
  /** Every value received, with when it arrived (ms since the epoch). */
  readonly series: readonly { atMs: number; value: number }[];
  close(): Promise<void>;
}

/** Mosquitto's default sys_interval is 10 s; quiet for longer than that means settled. */
const QUIET_MS = 11_000;

export async function brokerCounter(url: string, quietMs = QUIET_MS): Promise<BrokerCounter | undefined> {
  const client = connect(url, { clientId: `fb-bench-sys-${process.pid}`, reconnectPeriod: 0 });
  let value: number | undefined;
  let at = 0;
  const series: { atMs: number; value: number }[] = [];
  client.on('message', (_t, payload) => {
    value = Number(payload.toString());
    at = Date.now();
    series.push({ atMs: at, value });
  });
  const ok = await new Promise<boolean>((resolve) => {
    client.once('connect', () => client.subscribe(TOPIC, (err) => resolve(!err)));
    client.once('error', () => resolve(false));
    // No CONNACK within MQTT.js's connect timeout ends in a close without an error.
    client.once('close', () => resolve(false));
  });
  // The current value arrives after subscribing (it is retained), or at the next interval. Mosquitto
  // 2.0 gives its $SYS messages a 60 s expiry, so after a minute without a PUBLISH there is none
  // to receive: one PUBLISH of our own changes the counter and brings a fresh value (settled()
  // before a measurement counts it in).
  for (let i = 0; ok && value === undefined && i < 120; i++) {
    if (i === 15) client.publish(`fbbench/sys-nudge/${process.pid}`, '1');
    await new Promise((r) => setTimeout(r, 100));
  }
  if (value === undefined) {
    client.end(true);
    return undefined;
  }
  return {
    async settled(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() - at <= quietMs && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      return Date.now() - at > quietMs ? value : undefined;
    },
    latest: () => value as number,
    series,
    close: () => new Promise((resolve) => client.end(false, {}, () => resolve())),
  };
}
