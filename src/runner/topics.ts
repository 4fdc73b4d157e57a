// Rendering topic templates for one device: {id} {fleet} {run}, and {target} for commands.

import { renderTopic } from '../protocols/topics.ts';

export { renderTopic };

/** Commands: a renderer for the per-message {target}, with the rest rendered once. */
export function targetRenderer(template: string, fleet: string, id: number, runId: string): (target: number) => string {
  const rendered = renderTopic(template, fleet, id, runId);
  const parts = rendered.split('{target}');
  // Without {target} (every telemetry fleet) the topic is the same string on every send.
  if (parts.length === 1) return () => rendered;
  return (target) => parts.join(String(target));
}

/** Where an actuator sends the reply to a command from `stream` when no response topic came with it. */
export function replyTopic(runId: string, stream: number): string {
  return `fb/${runId}/reply/${stream}`;
}
