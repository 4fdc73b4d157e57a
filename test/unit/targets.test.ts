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

  it.each(['mqtt', 'mqtt://127.0.0.1:1883', '=mqtt://127.0.0.1:1883', 'mqtt=', ''])(
    'rejects %j, naming --target',
    (value) => {
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
    },
  );
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

  it('never repeats a password in its message', () => {
    expect(checkTargetUrl('http://u:secret@x', MQTT_SCHEMES)).toBe(
      'expected a mqtt://, mqtts://, ws://, wss://, tcp://, ssl:// URL, got "http://u:***@x"',
    );
    // An out-of-range port makes the URL unparseable; the password must still be hidden.
    expect(checkTargetUrl('mqtt://u:secret@h:99999', MQTT_SCHEMES)).not.toContain('secret');
  });
});
