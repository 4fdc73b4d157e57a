// Reading a group's protocol codes ('packet|code' → count, as drivers counted them through
// DeviceEvents.onCode) for the protocol blocks of a result.

/** The count of one code; 0 when it was never seen. */
export function codeCount(codes: ReadonlyMap<string, number>, packet: string, code: string): number {
  return codes.get(`${packet}|${code}`) ?? 0;
}

/** Every code counted under `packet`, as { code: count }. */
export function codesUnder(codes: ReadonlyMap<string, number>, packet: string): Record<string, number> {
  const prefix = `${packet}|`;
  const out: Record<string, number> = {};
  for (const [key, count] of codes) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = count;
  return out;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
