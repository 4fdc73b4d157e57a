// The scenario the Observe probes share: a writer PUTs a new state of its resource every 200 ms,
// and an observer registers on it once it exists (a server need not let a client observe a
// resource that does not exist yet) and receives each new state as a notification (RFC 7641
// §4.2). Probe files import this; it is not a probe itself.
import { bytes, type CoapOptions, coap, every, type ScenarioDefinition } from 'fleetbench';

/** The writer's PUTs, 200 ms apart from t = 0: the observer registers at 150 ms, after the first. */
export const WRITES = 7;

export function observeScenario(
  name: string,
  observer: CoapOptions,
  thresholds: Record<string, string[]>,
): ScenarioDefinition {
  return {
    name,
    duration: '1500ms',
    drain: '500ms',
    fleets: {
      put: {
        count: 1,
        protocol: coap({ type: 'CON', method: 'PUT' }),
        path: `/probe/{run}/${name}/{id}`,
        send: every('200ms'),
        messages: WRITES,
        payload: bytes(24),
      },
    },
    observers: { obs: { protocol: coap(observer), receives: ['put'], startTime: '150ms' } },
    thresholds,
  };
}

/** Before the first PUT there is nothing to observe; a server that does not create resources never has it. */
export const NOT_CREATED = {
  when: 'put|response|4.04',
  because: 'the server does not create resources on PUT (4.04): nothing to observe',
};
export const NOT_OBSERVABLE = {
  when: 'not observable',
  because: 'the server answered the registration without Observe: the resource is not observable',
};
