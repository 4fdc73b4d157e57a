// Target URLs: passwords never reach the screen or the result file, --target arguments are parsed
// or rejected with a message naming the option, and scheme checks name what was expected.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FleetbenchError } from '../../src/base/errors.ts';
import { checkTargetUrl, maskUrl } from '../../src/base/url.ts';
import { parseTargetArgs } from '../../src/runner/targets.ts';

const MQTT_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl'] as const;

describe('maskUrl', () => {
  it.each([
    ['mqtt://u:secret@h:1883', 'mqtt://u:***@h:1883'],
    ['mqtts://device-7:secret@broker.example.com:8883', 'mqtts://device-7:***@broker.example.com:8883'],
    ['ws://u:secret@h:8080/mqtt', 'ws://u:***@h:8080/mqtt'],
    ['mqtt://u:p%40ss%2Fsecret@h:1883', 'mqtt://u:***@h:1883'],
  ])('hides the password in %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
    expect(maskUrl(url)).not.toContain('secret');
  });

  it('hides the password even when the URL does not parse', () => {
    const masked = maskUrl('mqtt://u:secret@h:99999');
    expect(masked).not.toContain('secret');
    expect(masked).toBe('mqtt://u:***@h:99999');
  });

  it.each([
    ['mqtt://user:pa/ss@host:1883', 'mqtt://user:***@host:1883'],
    ['mqtt://user:a?b#c/d@host', 'mqtt://user:***@host'],
    ['mqtt://user:p@ss@host', 'mqtt://user:***@host'],
    ['user:SECRET@host', 'user:***@host'],
  ])('hides a password with unencoded / ? # @ in %s (credentials are split before URL parsing)', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it.each(['mqtt://127.0.0.1:1883', 'mqtt://u@h:1883', 'wss://broker.example.com/mqtt', 'embedded'])(
    'leaves %s without a password as it is',
    (url) => {
      expect(maskUrl(url)).toBe(url);
    },
  );
});

describe('parseTargetArgs', () => {
  it('parses one name=url pair', () => {
    expect(parseTargetArgs(['mqtt=mqtt://127.0.0.1:1883'])).toEqual({ mqtt: 'mqtt://127.0.0.1:1883' });
  });

  it('parses several, splitting only at the first =', () => {
    expect(parseTargetArgs(['mqtt=mqtt://127.0.0.1:1883', 'edge=ws://h:8080/mqtt?token=a=b'])).toEqual({
      mqtt: 'mqtt://127.0.0.1:1883',
      edge: 'ws://h:8080/mqtt?token=a=b',
    });
  });

  it('parses nothing into no targets', () => {
    expect(parseTargetArgs([])).toEqual({});
  });

  it.each(['mqtt', '=mqtt://127.0.0.1:1883', 'mqtt=', '', 'a b=mqtt://h'])('rejects %j, naming --target', (value) => {
    let error: unknown;
    try {
      parseTargetArgs(['ok=mqtt://h', value]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FleetbenchError);
    expect((error as FleetbenchError).code).toBe(ErrorCodes.OPTION_INVALID);
    expect((error as FleetbenchError).message).toBe(
      `--target ${JSON.stringify(value)}: expected name=url, e.g. mqtt=mqtt://127.0.0.1:1883`,
    );
  });
});

describe('parseTargetArgs: a value without a name', () => {
  it.each([
    ['mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
    ['mqtt://user:SECRET@host', 'mqtt://user:***@host'],
    // The '=' inside the password is not taken for the name separator.
    ['mqtt://user:SE=CRET@host', 'mqtt://user:***@host'],
    ['mqtt://user:SE/CR=ET@host', 'mqtt://user:***@host'],
  ])('rejects %s without repeating a password', (value, shown) => {
    let message = '';
    try {
      parseTargetArgs([value]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      `--target ${JSON.stringify(shown)}: expected name=url, e.g. mqtt=mqtt://127.0.0.1:1883 (a URL without a name: give the target name first)`,
    );
    expect(message).not.toMatch(/SE.?CR/);
  });
});

describe('checkTargetUrl', () => {
  it.each([
    'mqtt://127.0.0.1:1883',
    'mqtts://broker.example.com:8883',
    'ws://localhost:8080/mqtt',
    'wss://u:p@h/mqtt',
    'tcp://h',
    'ssl://h',
    'embedded',
    'embedded:ws',
  ])('accepts %s', (url) => {
    expect(checkTargetUrl(url, MQTT_SCHEMES)).toBeUndefined();
  });

  it('names the accepted schemes for a URL of another scheme', () => {
    expect(checkTargetUrl('http://x', MQTT_SCHEMES)).toBe(
      'expected a mqtt://, mqtts://, ws://, wss://, tcp://, ssl:// URL, got "http://x"',
    );
  });

  it('gives an example for something that is not a URL', () => {
    expect(checkTargetUrl('not a url', MQTT_SCHEMES)).toBe('expected a URL like mqtt://127.0.0.1, got "not a url"');
    expect(checkTargetUrl('127.0.0.1:1883', MQTT_SCHEMES)).toBe(
      'expected a URL like mqtt://127.0.0.1, got "127.0.0.1:1883"',
    );
    // 'localhost:1883' parses as scheme 'localhost:', so it is reported as the wrong scheme.
    expect(checkTargetUrl('localhost:1883', MQTT_SCHEMES)).toBe(
      'expected a mqtt://, mqtts://, ws://, wss://, tcp://, ssl:// URL, got "localhost:1883"',
    );
  });

  it('asks for a host, quoting the URL as given', () => {
    expect(checkTargetUrl('mqtt://', MQTT_SCHEMES)).toBe('expected a host in "mqtt://"');
  });

  it.each([
    ['mqtt://h:0', 'port 0 in "mqtt://h:0": expected a port from 1 to 65535'],
    ['mqtt://h:65536', 'port 65536 in "mqtt://h:65536": expected a port from 1 to 65535'],
    ['mqtt://u:secret@h:0/x', 'port 0 in "mqtt://u:***@h:0/x": expected a port from 1 to 65535'],
    ['ws://[::1]:70000/mqtt', 'port 70000 in "ws://[::1]:70000/mqtt": expected a port from 1 to 65535'],
  ])('refuses port 0 and ports above 65535: %s', (url, problem) => {
    expect(checkTargetUrl(url, MQTT_SCHEMES)).toBe(problem);
  });

  it('accepts ports 1 and 65535 and IPv6 hosts without a port', () => {
    for (const url of ['mqtt://h:1', 'mqtt://h:65535', 'mqtt://[::1]', 'mqtt://[::1]:1883'])
      expect(checkTargetUrl(url, MQTT_SCHEMES)).toBeUndefined();
  });

  it('asks to percent-encode a password holding / ? or #, without printing it', () => {
    expect(checkTargetUrl('mqtt://user:pa/ss@host:1883', MQTT_SCHEMES)).toBe(
      `the password in "mqtt://user:***@host:1883" holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)`,
    );
  });

  it('never repeats a password in its message', () => {
    expect(checkTargetUrl('http://u:secret@x', MQTT_SCHEMES)).toBe(
      'expected a mqtt://, mqtts://, ws://, wss://, tcp://, ssl:// URL, got "http://u:***@x"',
    );
    // An out-of-range port makes the URL unparseable; the password must still be hidden.
    expect(checkTargetUrl('mqtt://u:secret@h:99999', MQTT_SCHEMES)).not.toContain('secret');
  });
});
