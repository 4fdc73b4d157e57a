// The TLS meter's arithmetic: the records a write takes under each cipher family, and the round
// trips a handshake waits for. Measured handshakes are in test/integration/tls-wire.test.ts.
import { describe, expect, it } from 'vitest';
import { addSecure, emptySecure, recordBytes, tlsWaits } from '../../src/protocols/tls-meter.ts';

describe('recordBytes', () => {
  it('adds each record its header and its cipher expansion', () => {
    // TLS 1.3: 5-byte header, inner content type, 16-byte tag (RFC 8446 §5.2).
    expect(recordBytes(8, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384')).toBe(8 + 22);
    // TLS 1.2 AES-GCM: explicit 8-byte nonce and 16-byte tag (RFC 5288 §3).
    expect(recordBytes(16, 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256')).toBe(16 + 29);
    expect(recordBytes(16, 'TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305')).toBe(16 + 21);
    // CBC with HMAC-SHA1: IV, then data + 20-byte MAC + padding to 16 bytes (8 + 20 + 1 → 32).
    expect(recordBytes(8, 'TLSv1.2', 'ECDHE-RSA-AES128-SHA')).toBe(5 + 16 + 32);
    expect(recordBytes(0, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256')).toBe(0);
  });

  it('splits writes above 2^14 bytes into records', () => {
    expect(recordBytes(16384 + 1, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256')).toBe(16385 + 2 * 22);
  });
});

describe('tlsWaits', () => {
  it('TLS 1.2: two round trips when full, one when resumed; TLS 1.3: one', () => {
    expect(tlsWaits('TLSv1.2', false)).toBe(2);
    expect(tlsWaits('TLSv1.2', true)).toBe(1);
    expect(tlsWaits('TLSv1.3', false)).toBe(1);
    expect(tlsWaits('TLSv1.3', true)).toBe(1);
  });
});

it('addSecure adds every field', () => {
  const a = emptySecure();
  const b = { full: 1, resumed: 2, tx: { packets: 3, bytes: 4 }, rx: { packets: 5, bytes: 6 }, waits: 7, tls13: 8 };
  addSecure(a, b);
  addSecure(a, b);
  expect(a).toEqual({
    full: 2,
    resumed: 4,
    tx: { packets: 6, bytes: 8 },
    rx: { packets: 10, bytes: 12 },
    waits: 14,
    tls13: 16,
  });
  // A result written before TLS 1.3 handshakes were counted lacks the field: it adds nothing.
  const { tls13: _t, ...old } = b;
  addSecure(a, old);
  expect(a.tls13).toBe(16);
});
