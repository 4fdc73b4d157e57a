// The clock exchange of shards on different machines (docs/sharding.md), on real sockets: shard 0's
// real clock server (serveClock) behind a relay that makes it look like another machine — its
// answers carry another boot id and a clock 5 s ahead, and come back after an uneven delay — and
// the real estimateClock reading it. The true offset is known (5 s), so the estimate must hold it
// within the uncertainty it states, whatever the path's asymmetry.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClockServer, estimateClock, serveClock } from '../../src/runner/clock-sync.ts';

const AHEAD_US = 5_000_000;
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

/** A UDP relay to `serverPort` that rewrites answers as another machine's (shifted clock, other boot id). */
async function otherMachine(serverPort: number, delayMs: () => number): Promise<number> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: RemoteInfo | undefined;
  front.on('message', (msg, from) => {
    client = from;
    back.send(msg, serverPort, '127.0.0.1');
  });
  back.on('message', (msg) => {
    const a = JSON.parse(msg.toString('utf8')) as Record<string, unknown>;
    const shifted = { ...a, t2: Number(a.t2) + AHEAD_US, t3: Number(a.t3) + AHEAD_US, boot: 'another-machine' };
    const to = client;
    if (to) setTimeout(() => front.send(JSON.stringify(shifted), to.port, to.address), delayMs());
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  closers.push(
    () => new Promise((resolve) => front.close(() => resolve())),
    () => new Promise((resolve) => back.close(() => resolve())),
  );
  return front.address().port;
}

describe('clock exchange with a reference on another machine', () => {
  it('estimates a reference 5 s ahead within the uncertainty it states, over an uneven path', async () => {
    const server: ClockServer = await serveClock(0);
    closers.push(server.close);
    // Answers held back 0–4 ms on the way back only: an asymmetric path, the case the ± covers.
    const relay = await otherMachine(server.port, () => Math.random() * 4);
    const estimate = await estimateClock(`127.0.0.1:${relay}`, Date.now() + 30_000);
    expect(estimate.method).toBe('exchange');
    expect(estimate.samples).toBeGreaterThanOrEqual(8);
    const uncertaintyUs = estimate.uncertaintyUs as number;
    expect(Math.abs(estimate.offsetUs - AHEAD_US)).toBeLessThanOrEqual(uncertaintyUs);
    // Half the best round trip (loopback plus the smallest hold-back): not zero, and far below the
    // offset it qualifies even on a busy machine.
    expect(uncertaintyUs).toBeGreaterThan(0);
    expect(uncertaintyUs).toBeLessThan(50_000);
  });

  it('says the reference is the same machine when the boot ids agree: offset 0, exactly', async () => {
    const server = await serveClock(0);
    closers.push(server.close);
    const estimate = await estimateClock(`127.0.0.1:${server.port}`, Date.now() + 30_000);
    expect(estimate).toMatchObject({ method: 'same host', offsetUs: 0, uncertaintyUs: 0 });
  });
});
