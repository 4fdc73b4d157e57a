// The MQTT session kept across connections: what the store hands the device for a replay, and
// which in-flight messages a CONNACK leaves to resend or in doubt (src/protocols/mqtt/store.ts,
// session.ts).
import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/protocols/driver.ts';
import { MqttSession } from '../../src/protocols/mqtt/session.ts';
import { SessionStore } from '../../src/protocols/mqtt/store.ts';

const publish = (messageId: number): Packet =>
  ({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, dup: false, retain: false, messageId }) as Packet;
const pubrel = (messageId: number): Packet => ({ cmd: 'pubrel', messageId }) as Packet;
const message = (seq: number): OutgoingMessage => ({
  topic: 't',
  payload: Buffer.from('x'),
  stamp: { stream: 1, seq, intendedUs: 1, sentUs: 1 },
});

async function replayed(store: SessionStore): Promise<Packet[]> {
  return store.replay();
}

describe('MQTT session store', () => {
  it('replays publishes with DUP=1 in the order sent, and PUBREL as it is [MQTT-3.3.1-1]', async () => {
    const store = new SessionStore(true);
    store.put(publish(7), () => undefined);
    store.put(publish(3), () => undefined);
    store.put(pubrel(7), () => undefined);
    const packets = await replayed(store);
    expect(packets.map((p) => [p.cmd, p.messageId, (p as { dup?: boolean }).dup])).toEqual([
      ['pubrel', 7, undefined],
      ['publish', 3, true],
    ]);
    // What is stored stays as first written: only the replayed copy is marked.
    store.get({ messageId: 3 }, (_err, p) => expect((p as { dup: boolean }).dup).toBe(false));
  });

  it('outlives the connection that closes it', async () => {
    const store = new SessionStore(true);
    store.put(publish(1), () => undefined);
    store.close(() => undefined);
    expect(store.size).toBe(1);
    store.del({ messageId: 1 }, () => undefined);
    expect(store.size).toBe(0);
  });
});

describe('MQTT session across connections', () => {
  it('resends what a resumed session holds and counts the rest in doubt', () => {
    const s = new MqttSession(true);
    expect(s.connack(false)).toEqual({ state: 'absent', inDoubt: 0 });
    s.track(1, message(1));
    s.track(2, message(2));
    s.outgoing.put(publish(1), () => undefined);
    expect(s.lost()).toBe(0);
    // Message 2 never reached the store: it cannot be resent.
    expect(s.connack(true)).toEqual({ state: 'present', inDoubt: 1 });
    expect(s.inflight).toBe(1);
    expect(s.settle(1)?.stamp.seq).toBe(1);
    expect(s.settle(1)).toBeUndefined();
    expect(s.inflight).toBe(0);
  });

  it('counts a kept session the broker lost, and forgets its stores', () => {
    const s = new MqttSession(true);
    s.connack(false);
    s.track(5, message(5));
    s.outgoing.put(publish(5), () => undefined);
    s.subscribed.add('a/#');
    expect(s.connack(false)).toEqual({ state: 'lost', inDoubt: 1 });
    expect([s.inflight, s.outgoing.size, s.subscribed.size]).toEqual([0, 0, 0]);
  });

  it('without a kept session, a loss puts every in-flight message in doubt', () => {
    const s = new MqttSession(false);
    s.connack(false);
    s.track(1, message(1));
    s.outgoing.put(publish(1), () => undefined);
    expect(s.lost()).toBe(1);
    expect(s.lost()).toBe(0);
    expect(s.connack(false)).toEqual({ state: 'absent', inDoubt: 0 });
  });
});
