// The public API: what scenario files import (`from 'fleetbench'`) and what programs call.

export { defaults } from './base/defaults.ts';
export { ErrorCodes, FleetbenchError, RunErrorCodes, ScenarioError } from './base/errors.ts';
export type { ScenarioEnv } from './dsl/env.ts';
export { loadScenario } from './dsl/load.ts';
export type { PayloadContext, PayloadSpec } from './dsl/payload.ts';
export { bytes, json, template } from './dsl/payload.ts';
export type { ScheduleSpec, Stage } from './dsl/schedule.ts';
export { every, poisson, stages } from './dsl/schedule.ts';
export type {
  CommandDefinition,
  FleetDefinition,
  ImpairDefinition,
  ObserverDefinition,
  ProtocolSpec,
  ScenarioDefinition,
} from './dsl/types.ts';
export { defineScenario } from './dsl/types.ts';
export type { GatewayConfig } from './gateway/config.ts';
export type { Gateway, GatewayUrls } from './gateway/gateway.ts';
export { startGateway } from './gateway/gateway.ts';
export type { GatewayStats, PathStats } from './gateway/stats.ts';
export type { NotOffered, Probe, ProbeDefinition, ProbeVariant } from './probe/define.ts';
export { defineProbe } from './probe/define.ts';
export type { AmqpOptions, AmqpQueueOptions } from './protocols/amqp/options.ts';
export { amqp } from './protocols/amqp/options.ts';
export type { CoapOptions } from './protocols/coap/options.ts';
export { coap } from './protocols/coap/options.ts';
export type { HttpOptions } from './protocols/http/options.ts';
export { http } from './protocols/http/options.ts';
export type { MqttOptions } from './protocols/mqtt/options.ts';
export { mqtt } from './protocols/mqtt/options.ts';
export { type UdpOptions, udp } from './protocols/udp/options.ts';
export type { WsOptions } from './protocols/ws/options.ts';
export { ws } from './protocols/ws/options.ts';
export type { DeliveryResult, FleetResult, RunResult, TimelinePoint } from './result/types.ts';
export { RESULT_SCHEMA } from './result/types.ts';
export type { RunOptions, RunOutcome, WriteProblem } from './run.ts';
export { run } from './run.ts';
export type { Progress } from './runner/progress.ts';
