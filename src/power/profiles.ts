// Radio profiles as data: the currents, timers and link each radio is priced with. Every figure
// names its source next to it; a figure we could not find published is marked "assumption".
// Sources (docs/power.md lists them with what each gives):
//   [NRF91-PWR]  Nordic, nRF Connect SDK, doc/nrf/app_dev/optimizing/power.rst ("Power profiling
//                example use case": LTE-M UDP with PSM, RRC inactivity 11 s, 115.06/116.57 mC)
//   [NRF91-PS]   Nordic, nRF9160 Product Specification, "Modem current consumption" (PSM floor,
//                eDRX averages, PSM TAU energy)
//   [FOSSE20]    C. R. S. Fosse, NTNU master's thesis 2020, data in crfosse/dt_data (nRF9160 DK,
//                3.7 V, Telenor LTE-M: payload sweeps, MQTT slope 2.99 µC per byte)
//   [ARO]        AT&T Application Resource Optimizer, lte.conf: the LTE RRC power model of Huang
//                et al., "A Close Examination of Performance and Power Characteristics of 4G LTE
//                Networks", MobiSys 2012 (promotion, tail, DRX pings, α/β per Mbit/s)
//   [TR45820]    3GPP TR 45.820 battery-life evaluation assumptions as used by Ratasuk et al.,
//                "NB-IoT system for M2M communication", IEEE WCNCW 2016 (TX 543 mW, RX 90 mW,
//                light sleep 2.4 mW, deep sleep 0.015 mW)
//   [ROBINSON]   D. Robinson, NB-IoT latency and energy on live networks, MEng thesis,
//                Stellenbosch 2019 (UDP send latency 2.16–2.67 s on the Ericsson network)
//   [BOAKS]      boaks/zephyr-coaps-client, POWERCONSUMPTION.md (nRF9160: connected 10 s after
//                an exchange without RAI, 1 s with RAI)
//   [ESP32-DS]   Espressif ESP32 datasheet v5.2, Tables 4-2 and 5-4
//   [GLENN20]    glenn20/upy-esp32-experiments, ESPNowvsWifiEnergyUsage (static-IP reconnect
//                100.2 mC over 734 ms at 5 V)
//   [CC2538-DS]  TI CC2538 datasheet; IEEE 802.15.4-2006 §6.5 (O-QPSK 250 kbit/s)
//   [NRF52-PS]   Nordic nRF52840 Product Specification (radio and sleep currents)
//   [NRFXLIB]    Nordic sdk-nrfxlib nrf_802154 (802.15.4 ramp-up 40 µs; CCA 128 µs, turnaround 192 µs)

import type { CoverageClass, RadioProfile } from './profile-types.ts';
import { CELLULAR } from './profiles-cellular.ts';

export type { Coverage, CoverageClass, LinkModel, RadioProfile } from './profile-types.ts';

export type ProfileName =
  | 'esp32-wifi'
  | 'cc2538-802154'
  | 'nrf52-ble'
  | 'nrf52840-802154'
  | 'nrf9160-ltem'
  | 'nbiot'
  | 'lte-phone';

const NONE = { ms: 0, mC: 0 } as const;

export const PROFILES: Readonly<Record<ProfileName, RadioProfile>> = {
  'esp32-wifi': {
    name: 'esp32-wifi',
    source: '[ESP32-DS] Espressif ESP32 datasheet v5.2 Tables 4-2 and 5-4; [GLENN20] glenn20/upy-esp32-experiments',
    kind: 'wifi',
    volts: 3.3,
    // [ESP32-DS] 802.11g TX 190 mA, RX 95–100 mA; modem sleep with DTIM ≈ 45 mA; deep sleep 10 µA.
    txmA: 190,
    rxmA: 100,
    listenmA: 100,
    idlemA: 45,
    sleepmA: 0.01,
    cpumA: 0,
    // [GLENN20] static-IP reconnect from deep sleep: 100.2 mC over 734 ms measured at 5 V, i.e.
    // 0.501 J; held as charge at this profile's 3.3 V (a switching supply conserves power).
    wake: { ms: 734, mC: 151.8 },
    // A connected station is associated: nothing to promote.
    promote: NONE,
    // Power-save entry after traffic: assumption (the station stays awake 50 ms more).
    tail: { ms: 50, mA: 100 },
    raiTailMs: null,
    attach: null,
    edrx: {},
    link: {
      name: 'Wi-Fi LAN',
      // 54 Mbit/s OFDM, 20 µs preamble + PLCP header, MAC header + FCS 36 B ([ESP32-DS], 802.11-2016 §17).
      source: '802.11g PHY; round trips on a LAN: assumption',
      rttMs: { low: 2, mid: 5, high: 20 },
      upBps: 54_000_000,
      downBps: 54_000_000,
      preambleUs: 20,
      linkOverheadBytes: 36,
      // DIFS 28 µs before a frame; SIFS 10 µs + ACK 14 B at 24 Mbit/s with its 20 µs preamble (802.11-2016 §17.4.4).
      rampUs: 0,
      ccaUs: 28,
      l2AckUs: 35,
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
  'cc2538-802154': {
    name: 'cc2538-802154',
    source:
      '[CC2538-DS] TI CC2538 datasheet (TX 24 mA at 0 dBm, RX 20 mA, PM1 0.6 mA, PM2 1.3 µA); IEEE 802.15.4 O-QPSK',
    kind: '802154',
    volts: 3,
    txmA: 24,
    rxmA: 20,
    listenmA: 20,
    idlemA: 0.6,
    sleepmA: 0.0013,
    // The datasheet's radio currents are with the CPU idle; the stack's CPU time is not added (assumption).
    cpumA: 0,
    // A sleepy node needs no association per wake (assumption: 1 ms of CPU at PM0, 13 mA).
    wake: { ms: 1, mC: 0.013 },
    promote: NONE,
    tail: { ms: 0, mA: 0 },
    raiTailMs: null,
    attach: null,
    edrx: {},
    link: {
      name: '802.15.4 mesh',
      // 250 kbit/s; SHR + PHR 6 B = 192 µs; MAC header + FCS ≈ 11 B (802.15.4-2006 §6.3, §7.2).
      source: 'IEEE 802.15.4-2006; round trips through a border router: assumption',
      rttMs: { low: 10, mid: 30, high: 100 },
      upBps: 250_000,
      downBps: 250_000,
      preambleUs: 192,
      linkOverheadBytes: 11,
      // Turnaround/calibration 12 symbols = 192 µs; CCA 8 symbols = 128 µs; ACK: turnaround 192 µs
      // + 11 B PPDU = 352 µs (802.15.4-2006 §6.4.1, §7.5.6.4).
      rampUs: 192,
      ccaUs: 128,
      l2AckUs: 544,
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
  'nrf52-ble': {
    name: 'nrf52-ble',
    source:
      '[NRF52-PS] Nordic nRF52840 Product Specification (TX 6.40 mA at 0 dBm, RX 6.26 mA, System ON with RTC 3.16 µA, System OFF 1.50 µA)',
    kind: 'ble',
    volts: 3,
    txmA: 6.4,
    rxmA: 6.26,
    listenmA: 6.26,
    // Between connection events the chip sleeps in System ON with the RTC running.
    idlemA: 0.00316,
    sleepmA: 0.0015,
    // [NRF52-PS] CPU running from flash, 64 MHz, DC/DC: 3.3 mA (ICPU0), while the radio is busy.
    cpumA: 3.3,
    // Reconnection (advertising + connection setup): assumption, 10 ms of CPU and radio at 3.3 + 6.3 mA.
    wake: { ms: 10, mC: 0.096 },
    promote: NONE,
    tail: { ms: 0, mA: 0 },
    raiTailMs: null,
    attach: null,
    edrx: {},
    link: {
      name: 'BLE gateway',
      // 1 Mbit/s: preamble + access address 5 B = 40 µs; +10 B link layer (Core 5.x Vol 6 Part B §2.1).
      source: 'Bluetooth Core 5.x 1M PHY; round trips through a gateway (connection interval): assumption',
      rttMs: { low: 15, mid: 50, high: 150 },
      upBps: 1_000_000,
      downBps: 1_000_000,
      preambleUs: 40,
      linkOverheadBytes: 10,
      // Fast ramp-up 40 µs (as Zephyr's controller uses on nRF52); in a connection the peer's
      // packet follows T_IFS 150 µs later (an empty PDU, 80 µs): Core 5.x Vol 6 Part B §4.1.1.
      rampUs: 40,
      ccaUs: 0,
      l2AckUs: 230,
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
  'nrf52840-802154': {
    name: 'nrf52840-802154',
    source:
      '[NRF52-PS] Nordic nRF52840 Product Specification (IEEE 802.15.4 at 0 dBm, DC/DC: TX 6.40 mA, RX 6.53 mA; System ON with RTC 3.16 µA; CPU from flash 3.3 mA); [NRFXLIB] nrf_802154 timings',
    kind: '802154',
    volts: 3,
    txmA: 6.4,
    rxmA: 6.53,
    listenmA: 6.53,
    // A sleepy end device between polls: System ON with the RTC running [NRF52-PS].
    idlemA: 0.00316,
    sleepmA: 0.0015,
    // [NRF52-PS] CPU running from flash, 64 MHz, DC/DC: 3.3 mA (ICPU0), while the radio is busy.
    cpumA: 3.3,
    // The 64 MHz crystal's start-up, 1.4 ms (Nordic MPSL's default HFCLK latency), with the CPU
    // at 3.3 mA (assumption: the crystal's own current is not published).
    wake: { ms: 1.4, mC: 0.00462 },
    promote: NONE,
    tail: { ms: 0, mA: 0 },
    raiTailMs: null,
    attach: null,
    edrx: {},
    link: {
      name: 'Thread (802.15.4)',
      // 250 kbit/s; SHR + PHR 6 B = 192 µs; MAC header with short addresses and PAN ID
      // compression 9 B, auxiliary security header 6 B, MIC-32 4 B, FCS 2 B = 21 B (802.15.4-2006
      // §7.2, §7.6.2); ramp-up 40 µs, CCA 128 µs, ACK after 192 µs turnaround, 11 B PPDU [NRFXLIB].
      source: 'IEEE 802.15.4-2006; [NRFXLIB]; round trips through a border router: assumption',
      rttMs: { low: 10, mid: 30, high: 100 },
      upBps: 250_000,
      downBps: 250_000,
      preambleUs: 192,
      linkOverheadBytes: 21,
      rampUs: 40,
      ccaUs: 128,
      l2AckUs: 544,
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
  ...CELLULAR,
};

/** A profile as a fleet uses it, with a coverage class applied (NB-IoT). */
export function withCoverage(p: RadioProfile, c: CoverageClass | null): RadioProfile {
  const cov = c === null ? undefined : p.coverage[c];
  if (!cov) return p;
  return {
    ...p,
    wake: { ...cov.wake },
    promote: { ...cov.wake },
    link: {
      ...p.link,
      ...cov.link,
      rttMs: { ...cov.link.rttMs },
      name: `NB-IoT (${cov.couplingLossDb} dB)`,
    },
  };
}
