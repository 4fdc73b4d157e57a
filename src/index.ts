// The public API: what scenario files import (`from 'fleetbench'`) and what programs call.
export { defineScenario } from './dsl/types.ts';
export type { ScenarioDefinition, FleetDefinition, ObserverDefinition, CommandDefinition, ProtocolSpec } from './dsl/types.ts';
export { every, poisson, stages } from './dsl/schedule.ts';
export type { ScheduleSpec, Stage } from './dsl/schedule.ts';
export { bytes, json, template } from './dsl/payload.ts';
export type { PayloadSpec, PayloadContext } from './dsl/payload.ts';
export { mqtt } from './protocols/mqtt/options.ts';
export type { MqttOptions } from './protocols/mqtt/options.ts';
export { coap } from './protocols/coap/options.ts';
export type { CoapOptions } from './protocols/coap/options.ts';
export { run } from './runner/run.ts';
export type { RunOptions, RunOutcome } from './runner/run.ts';
export type { Progress } from './runner/progress.ts';
export { loadScenario } from './dsl/load.ts';
export { RESULT_SCHEMA } from './result/types.ts';
export type { RunResult, FleetResult, DeliveryResult, TimelinePoint } from './result/types.ts';
export { FleetbenchError, ScenarioError, ErrorCodes } from './errors.ts';
export { defaults } from './defaults.ts';
