// The `tls: { ca, rejectUnauthorized }` option every TCP-based protocol accepts (mqtts://,
// https://, wss://), validated once: the CA file is read while the scenario loads, so a wrong
// path is a scenario error naming the field, not a failure of every device.
import { readFileSync } from 'node:fs';
import type { Checker } from '../base/check.ts';

export interface TlsOptions {
  /** A PEM CA file for servers with a self-signed certificate. */
  ca?: string;
  rejectUnauthorized?: boolean;
}

/** `ca` is the path as given, `caPem` its contents. */
export interface ResolvedTls {
  ca: string | undefined;
  caPem: Buffer | undefined;
  rejectUnauthorized: boolean;
}

export function resolveTls(check: Checker, path: string, raw: unknown): ResolvedTls {
  const tls: ResolvedTls = { ca: undefined, caPem: undefined, rejectUnauthorized: true };
  if (raw === undefined) return tls;
  const t = check.object(path, raw);
  if (!t) return tls;
  check.known(path, t, ['ca', 'rejectUnauthorized']);
  const ca = check.string(`${path}.ca`, t.ca, true);
  let caPem: Buffer | undefined;
  if (ca !== undefined) {
    try {
      caPem = readFileSync(ca);
    } catch (err) {
      check.note(
        `${path}.ca`,
        `cannot read the CA file ${JSON.stringify(ca)} (${(err as { code?: string }).code ?? 'error'})`,
      );
    }
  }
  return { ca, caPem, rejectUnauthorized: check.boolean(`${path}.rejectUnauthorized`, t.rejectUnauthorized, true) };
}
