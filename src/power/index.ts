// The power model's public surface: profiles, batteries, the pure estimate, and byte accounting.

export { mqttConnectBytes, mqttPublishBytes, mqttSleepReport, TCP_IP_BYTES, UDP_IP_BYTES } from './accounting.ts';
export { parseBattery, TWO_AA } from './battery.ts';
export { radioLabel } from './label.ts';
export {
  airtimeS,
  type Battery,
  coapConTransmissions,
  type Exchange,
  estimatePower,
  noExchange,
  type PacketTotals,
  type PowerBreakdown,
  type PowerEstimate,
  type Timeline,
} from './model.ts';
export {
  type Coverage,
  type CoverageClass,
  type LinkModel,
  PROFILES,
  type ProfileName,
  type RadioProfile,
  withCoverage,
} from './profiles.ts';
export type { LinkReport, PowerReport, SensitivityRow } from './report.ts';
