// Payload generators. Every generated payload carries the measurement stamp and, when a size
// is configured, is exactly that many bytes: binary payloads put the 20-byte stamp first, JSON
// payloads carry it as the `_fb` field, templates at `{stamp}` (appended when absent).
import { encodeStampText, STAMP_BYTES, type Stamp, writeStamp } from '../metrics/stamp.ts';
import type { Random } from './schedule.ts';

export interface PayloadContext {
  /** Device index within its fleet. */
  id: number;
  fleet: string;
  seq: number;
  /** Milliseconds since the send phase started. */
  elapsedMs: number;
  /** Deterministic per-device random number in [0, 1). */
  random: Random;
}

export interface BytesSpec {
  kind: 'bytes';
  size: number;
}
export interface JsonSpec {
  kind: 'json';
  fn: (ctx: PayloadContext) => unknown;
  size?: number;
}
export interface TemplateSpec {
  kind: 'template';
  text: string;
  size?: number;
}
export type PayloadSpec = BytesSpec | JsonSpec | TemplateSpec;

/** `n` bytes: the stamp, then deterministic filler. */
export function bytes(size: number): BytesSpec {
  return { kind: 'bytes', size };
}

/** The JSON of `fn(ctx)` plus the stamp field `_fb`; padded to `size` bytes when given. */
export function json(fn: (ctx: PayloadContext) => unknown, options: { size?: number } = {}): JsonSpec {
  return options.size === undefined ? { kind: 'json', fn } : { kind: 'json', fn, size: options.size };
}

/**
 * Text with placeholders: {id} {fleet} {seq} {stamp} {elapsed} and {rand:min:max}.
 * Padded with spaces to `size` bytes when given.
 */
export function template(text: string, options: { size?: number } = {}): TemplateSpec {
  return options.size === undefined ? { kind: 'template', text } : { kind: 'template', text, size: options.size };
}

export const DEFAULT_PAYLOAD: BytesSpec = { kind: 'bytes', size: 64 };

export interface GeneratedPayload {
  buffer: Buffer;
  /** True when the generator's natural output was larger than the configured size. */
  oversize: boolean;
}

export const MIN_PAYLOAD_BYTES = STAMP_BYTES;

/** Returns a function producing the payload for one message, its stamp keyed with `key` (metrics/stamp.ts runKey). */
export function createPayloadGenerator(
  spec: PayloadSpec,
  key = 0,
): (ctx: PayloadContext, stamp: Stamp) => GeneratedPayload {
  switch (spec.kind) {
    case 'bytes': {
      const filler = Buffer.alloc(spec.size);
      for (let i = STAMP_BYTES; i < spec.size; i++) filler[i] = 0x61 + (i % 26);
      return (_ctx, stamp) => {
        const buf = Buffer.from(filler);
        writeStamp(buf, stamp, 0, key);
        return { buffer: buf, oversize: false };
      };
    }
    case 'json':
      return (ctx, stamp) => {
        const value = spec.fn(ctx);
        const body =
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? { ...value, _fb: encodeStampText(stamp, key) }
            : { value, _fb: encodeStampText(stamp, key) };
        return padJson(JSON.stringify(body), spec.size);
      };
    case 'template': {
      const text = spec.text.includes('{stamp}') ? spec.text : `${spec.text}{stamp}`;
      return (ctx, stamp) => padText(renderTemplate(text, ctx, encodeStampText(stamp, key)), spec.size);
    }
  }
}

function renderTemplate(text: string, ctx: PayloadContext, stamp: string): string {
  return text.replace(
    /\{(id|fleet|seq|stamp|elapsed|rand:(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?))\}/g,
    (_m, key: string, lo?: string, hi?: string) => {
      switch (key) {
        case 'id':
          return String(ctx.id);
        case 'fleet':
          return ctx.fleet;
        case 'seq':
          return String(ctx.seq);
        case 'stamp':
          return stamp;
        case 'elapsed':
          return String(Math.round(ctx.elapsedMs));
        default: {
          const min = Number(lo);
          const max = Number(hi);
          return (min + ctx.random() * (max - min)).toFixed(2);
        }
      }
    },
  );
}

function padJson(text: string, size: number | undefined): GeneratedPayload {
  const natural = Buffer.byteLength(text);
  if (size === undefined || natural === size) return { buffer: Buffer.from(text), oversize: false };
  if (natural > size) return { buffer: Buffer.from(text), oversize: true };
  // `,"_pad":""` costs 10 bytes; below that, trailing whitespace (valid JSON, RFC 8259 §2) fills.
  if (natural + 10 > size) return padText(text, size);
  return { buffer: Buffer.from(`${text.slice(0, -1)},"_pad":"${'x'.repeat(size - natural - 10)}"}`), oversize: false };
}

function padText(text: string, size: number | undefined): GeneratedPayload {
  const buffer = Buffer.from(text);
  if (size === undefined || buffer.length === size) return { buffer, oversize: false };
  if (buffer.length > size) return { buffer, oversize: true };
  return { buffer: Buffer.concat([buffer, Buffer.alloc(size - buffer.length, 0x20)]), oversize: false };
}
