// The scenario the error-code probes share: one device sends one CON request, which must be
// answered with `code`. Probe files import this; it is not a probe itself.
import { bytes, type CoapOptions, coap, every, type ScenarioDefinition } from 'fleetbench';

export function refusedScenario(
  name: string,
  o: { path: string; protocol: CoapOptions; code: string },
): ScenarioDefinition {
  return {
    name,
    duration: '1500ms',
    drain: '500ms',
    fleets: {
      req: {
        count: 1,
        protocol: coap({ type: 'CON', ...o.protocol }),
        path: o.path,
        send: every('2s'),
        messages: 1,
        payload: bytes(24),
      },
    },
    thresholds: { [`req|response|${o.code}`]: ['== 1'] },
  };
}
