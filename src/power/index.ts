// The power model's public surface: profiles, batteries, the pure estimate, and byte accounting.
export { PROFILES, type ProfileName, type RadioProfile } from './profiles.ts';
export { parseBattery, TWO_AA } from './battery.ts';
export { estimatePower, airtimeS, coapConTransmissions, tcpTransmissions, noExchange, type Activity, type Battery, type Exchange, type PacketTotals, type PowerBreakdown, type PowerEstimate } from './model.ts';
export { mqttConnectBytes, mqttPublishBytes, mqttSleepReport, TCP_IP_BYTES, UDP_IP_BYTES } from './accounting.ts';
