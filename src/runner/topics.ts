// Rendering topic templates for one device: {id} {fleet} {run}, and {target} for commands.

import { renderTopic } from '../protocols/topics.ts';

export { renderTopic };

/** Commands: a renderer for the per-message {target}, with the rest rendered once. */
export function targetRenderer(template: string, fleet: string, id: number, runId: string): (target: number) => string {
  const parts = renderTopic(template, fleet, id, runId).split('{target}');
  return (target) => parts.join(String(target));
}

/** Where an actuator sends the reply to a command from `stream` when no response topic came with it. */
export function replyTopic(runId: string, stream: number): string {
  return `fb/${runId}/reply/${stream}`;
}
