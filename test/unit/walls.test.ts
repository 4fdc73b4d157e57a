// The walls between rooms: what a protocol knows stays in its driver's folder. Generic modules
// (result, cli, report, runner) loop over registered drivers and name no protocol, in code or in
// comments; a command that is itself protocol-specific (the reference gateway) is the exception.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allDrivers } from '../../src/protocols/registry.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const GENERIC = ['src/result', 'src/cli', 'src/report', 'src/runner', 'src/impair'];
/** Protocol-specific by design: `fleetbench gateway` bridges named protocols. */
const EXCEPTIONS = new Set(['src/cli/gateway-command.ts']);
/** Not protocol names: an HTML attribute and a credit's URL. */
const ALLOWED = ['http-equiv', 'https://github.com/leeoniya/uPlot'];

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Transports, not protocols: every driver runs over one (Driver.transport). */
const TRANSPORTS = new Set(['tcp', 'udp', 'ssl', 'tls']);

/** Every way a protocol is named: driver names, titles, URL schemes, and words only one protocol uses. */
function protocolWords(): string[] {
  const words = new Set([
    'qos',
    'puback',
    'suback',
    'pubcomp',
    'connack',
    'aedes',
    'rabbitmq',
    'mosquitto',
    'websocket',
  ]);
  for (const d of allDrivers()) {
    words.add(d.name);
    words.add((d.title.split(/[\s/]/)[0] ?? '').toLowerCase());
    for (const s of [...d.schemes, ...d.secureSchemes]) if (!TRANSPORTS.has(s)) words.add(s);
  }
  return [...words];
}

function mentions(text: string, words: readonly string[]): string[] {
  let scrubbed = text;
  for (const a of ALLOWED) scrubbed = scrubbed.replaceAll(a, '');
  const found: string[] = [];
  scrubbed.split('\n').forEach((line, i) => {
    for (const w of words) if (new RegExp(`\\b${w}\\b`, 'i').test(line)) found.push(`${i + 1}: ${w}: ${line.trim()}`);
  });
  return found;
}

describe('generic modules name no protocol', () => {
  const words = protocolWords();

  it('knows the protocols it looks for', () => {
    expect(words).toEqual(expect.arrayContaining(['mqtt', 'coap', 'amqp', 'http', 'ws', 'mqtts', 'qos']));
  });

  it.each(GENERIC)('%s', (dir) => {
    const found = filesUnder(dir)
      .filter((f) => !EXCEPTIONS.has(f))
      .flatMap((f) => mentions(readFileSync(join(ROOT, f), 'utf8'), words).map((m) => `${relative('.', f)}:${m}`));
    expect(found).toEqual([]);
  });

  it('finds a protocol name when one is there (the check can fail)', () => {
    expect(mentions("if (protocol === 'coap') return 'request → response';", words)).toHaveLength(1);
    expect(mentions('// the CoAP sink', words)).toHaveLength(1);
    expect(mentions('<meta http-equiv="x">', words)).toEqual([]);
  });
});
