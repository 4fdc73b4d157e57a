// The power model's public surface: profiles, batteries, the pure estimate, and byte accounting.

export { mqttConnectBytes, mqttPublishBytes, mqttSleepReport, TCP_IP_BYTES, UDP_IP_BYTES } from './accounting.ts';
export { parseBattery, TWO_AA } from './battery.ts';
export { radioLabel } from './label.ts';
export {
  type Activity,
  airtimeS,
  type Battery,
  coapConTransmissions,
  type Exchange,
  estimatePower,
  noExchange,
  type PacketTotals,
  type PowerBreakdown,
  type PowerEstimate,
} from './model.ts';
export { PROFILES, type ProfileName, type RadioProfile } from './profiles.ts';
