// How the MQTT driver names the cause of a lost connection from what MQTT.js and the socket
// said before the close (src/protocols/mqtt/loss.ts).
import { describe, expect, it } from 'vitest';
import { errorLoss, PLAIN_CLOSE, serverDisconnect, strongerLoss } from '../../src/protocols/mqtt/loss.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('MQTT loss causes', () => {
  it('names a server DISCONNECT by its reason code (§3.14.2.1)', () => {
    expect(serverDisconnect(0x8b)).toEqual({
      cause: 'server_disconnect',
      key: 'mqtt.disconnect_0x8b',
      message: 'the broker sent DISCONNECT: server shutting down (0x8b)',
    });
  });

  it('tells a keepalive timeout, a reset and other socket errors apart', () => {
    expect(errorLoss(new Error('Keepalive timeout'), 30)).toMatchObject({
      cause: 'keepalive_timeout',
      key: 'mqtt.keepalive_timeout',
    });
    expect(errorLoss(withCode('read ECONNRESET', 'ECONNRESET'), 30)).toMatchObject({ cause: 'reset' });
    expect(errorLoss(withCode('write EPIPE', 'EPIPE'), 30)).toMatchObject({ cause: 'reset' });
    expect(errorLoss(withCode('connect ETIMEDOUT', 'ETIMEDOUT'), 30)).toMatchObject({
      cause: 'error',
      key: 'mqtt.connection_error',
    });
  });

  it('keeps the best-founded explanation of one loss: DISCONNECT over errors over a bare close', () => {
    const goodbye = serverDisconnect(0x8e);
    const reset = errorLoss(withCode('read ECONNRESET', 'ECONNRESET'), 30);
    expect(strongerLoss(goodbye, reset)).toBe(goodbye);
    expect(strongerLoss(reset, goodbye)).toBe(goodbye);
    expect(strongerLoss(undefined, reset)).toBe(reset);
    expect(strongerLoss(reset, PLAIN_CLOSE)).toBe(reset);
  });
});
