// Radio profiles: the currents, times and rates the power model prices a device's traffic with.
// Every figure comes from the source named on the profile (see ../shared/power-reference.md in
// the design notes and docs/power.md); figures marked "assumption" are ours.
// Every number can be overridden per fleet.

export interface RadioProfile {
  name: string;
  /** Where the figures come from. */
  source: string;
  /** Supply voltage the currents are given at. */
  volts: number;
  /** Current while transmitting, receiving, and listening for a reply (radio on, nothing on air). */
  txmA: number;
  rxmA: number;
  listenmA: number;
  /** Connected idle floor: Wi-Fi DTIM modem sleep, LTE connected DRX, BLE connection events. */
  idlemA: number;
  /** Deep sleep / PSM floor. */
  sleepmA: number;
  /** PHY bit rate used for airtime, and the fixed per-packet airtime (preamble, PLCP header). */
  bitrateBps: number;
  preambleUs: number;
  /** Link-layer bytes added to every packet (MAC header and FCS). */
  linkOverheadBytes: number;
  /** Waking from sleep to being able to send: association, RRC connection setup (charge and time). */
  wake: { ms: number; mC: number };
  /** After traffic the radio stays on this long at this current (power-save timeout, inactivity timer). */
  tail: { ms: number; mA: number };
}

export type ProfileName = 'esp32-wifi' | 'cc2538-802154' | 'nrf52-ble' | 'nrf9160-ltem' | 'nbiot';

export const PROFILES: Readonly<Record<ProfileName, RadioProfile>> = {
  'esp32-wifi': {
    name: 'esp32-wifi',
    source:
      'Espressif ESP32 datasheet v5.2, Tables 4-2 and 5-4 (currents); glenn20/upy-esp32-experiments ESPNowvsWifiEnergyUsage (static-IP reconnect 100.2 mC over 734 ms, measured at 5 V)',
    volts: 3.3,
    // 802.11g TX 190 mA, RX 95–100 mA; modem-sleep with DTIM ≈ 45 mA average; deep sleep 10 µA.
    txmA: 190,
    rxmA: 100,
    listenmA: 100,
    idlemA: 45,
    sleepmA: 0.01,
    // 802.11g OFDM at 54 Mbit/s, 20 µs preamble + PLCP header; MAC header + FCS ≈ 36 B.
    bitrateBps: 54_000_000,
    preambleUs: 20,
    linkOverheadBytes: 36,
    wake: { ms: 734, mC: 100.2 },
    // Power-save entry after traffic: assumption (the device is modelled awake for 50 ms more).
    tail: { ms: 50, mA: 100 },
  },
  'cc2538-802154': {
    name: 'cc2538-802154',
    source:
      'TI CC2538 datasheet (TX 24 mA at 0 dBm, RX 20 mA, PM1 0.6 mA, PM2 1.3 µA); IEEE 802.15.4 2.4 GHz O-QPSK 250 kbit/s',
    volts: 3,
    txmA: 24,
    rxmA: 20,
    listenmA: 20,
    idlemA: 0.6,
    sleepmA: 0.0013,
    bitrateBps: 250_000,
    // Synchronisation header + PHY header: 6 B = 192 µs; MAC header + FCS ≈ 11 B.
    preambleUs: 192,
    linkOverheadBytes: 11,
    // A sleepy 802.15.4 node needs no association per wake (assumption: 1 ms of CPU at PM0).
    wake: { ms: 1, mC: 0.013 },
    tail: { ms: 0, mA: 0 },
  },
  'nrf52-ble': {
    name: 'nrf52-ble',
    source:
      'Nordic nRF52840 Product Specification (TX 6.40 mA at 0 dBm, RX 6.26 mA, System ON with RTC 3.16 µA, System OFF 1.50 µA, CPU 3.3 mA); BLE 1M PHY',
    volts: 3,
    txmA: 6.4,
    rxmA: 6.26,
    listenmA: 6.26,
    idlemA: 0.00316,
    sleepmA: 0.0015,
    // 1 Mbit/s: 8 µs per byte; preamble + access address 5 B = 40 µs; +10 B link layer.
    bitrateBps: 1_000_000,
    preambleUs: 40,
    linkOverheadBytes: 10,
    // Reconnection (advertising + connection setup): assumption, 10 ms of CPU and radio at 3.3 + 6.3 mA.
    wake: { ms: 10, mC: 0.096 },
    tail: { ms: 0, mA: 0 },
  },
  'nrf9160-ltem': {
    name: 'nrf9160-ltem',
    source:
      'Nordic sdk-nrf doc/nrf/app_dev/optimizing/power_nrf9160.rst (PSM floor 3.44 µA; 40 B UDP: 115.06 mC over 12.32 s, of which the 11 s RRC inactivity tail is 93.82 mC; 120 B: 116.57 mC)',
    volts: 3.7,
    // LTE-M: what the byte count costs is the charge per transmitted byte Nordic measured
    // ((116.57 − 115.06) mC / 80 B = 18.9 µC/B). At 120 mA that is an effective 50.9 kbit/s
    // uplink (assumption: the current; the product is what the measurement fixes).
    txmA: 120,
    rxmA: 60,
    listenmA: 30,
    // Connected DRX between transmissions is inside the tail; the floor is PSM.
    idlemA: 8.529,
    sleepmA: 0.00344,
    bitrateBps: 50_861,
    preambleUs: 0,
    linkOverheadBytes: 0,
    // RRC connection setup and the rest of the 1.32 s before the tail: 115.06 − 93.82 = 21.24 mC
    // minus the 68 B (40 + UDP/IP 28) the measurement sent, 1.28 mC at 18.9 µC/B.
    wake: { ms: 1_320, mC: 19.96 },
    tail: { ms: 11_000, mA: 8.529 },
  },
  nbiot: {
    name: 'nbiot',
    source:
      '3GPP TR 45.820 power model (TX 500 mW, RX 90 mW, light sleep 2.4 mW, deep sleep 0.015 mW); Ratasuk et al. 2016',
    // TR 45.820 gives powers; at a nominal 3.6 V they are these currents.
    volts: 3.6,
    txmA: 138.9,
    rxmA: 25,
    listenmA: 25,
    idlemA: 0.667,
    sleepmA: 0.00417,
    // NB-IoT single-tone uplink, about 20 kbit/s effective (assumption).
    bitrateBps: 20_000,
    preambleUs: 0,
    linkOverheadBytes: 0,
    // Random access + RRC setup ≈ 1 s at RX power (assumption following TR 45.820's synchronisation phase).
    wake: { ms: 1_000, mC: 25 },
    // RRC inactivity timer 10 s in light sleep (connected DRX): assumption.
    tail: { ms: 10_000, mA: 0.667 },
  },
};
