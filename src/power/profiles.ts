// Radio profiles as data: the currents, timers and link each radio is priced with. Every figure
// names its source next to it; a figure we could not find published is marked "assumption".
// Sources (docs/power.md lists them with what each gives):
//   [NRF91-PWR]  Nordic, nRF Connect SDK, doc/nrf/app_dev/optimizing/power.rst ("Power profiling
//                example use case": LTE-M UDP with PSM, RRC inactivity 11 s, 115.06/116.57 mC)
//   [NRF91-PS]   Nordic, nRF9160 Product Specification, "Modem current consumption" (PSM floor,
//                eDRX averages, PSM TAU energy)
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

/** The network between the device and its peer: what the waits and the time on the air cost. */
export interface LinkModel {
  name: string;
  source: string;
  /** Round trip seen by the device (radio, core network, the peer): low, typical, high. */
  rttMs: { low: number; mid: number; high: number };
  upBps: number;
  downBps: number;
  /** Fixed airtime per packet (preamble, PHY header), and link-layer bytes per packet. */
  preambleUs: number;
  linkOverheadBytes: number;
  /** Probability a packet is lost on the link (the protocol's retransmission rules price it). */
  loss: number;
}

export type CoverageClass = 'normal' | 'robust' | 'extreme';

/** An NB-IoT coverage class: coupling loss and what it changes (TR 45.820 §5.4's 144/154/164 dB). */
export interface Coverage {
  couplingLossDb: number;
  link: Pick<LinkModel, 'rttMs' | 'upBps' | 'downBps'>;
  /** Waking (synchronisation, random access, RRC setup) takes longer with repetitions. */
  wake: { ms: number; mC: number };
}

export interface RadioProfile {
  name: string;
  /** Where the figures come from (the tags above, spelled out). */
  source: string;
  kind: 'cellular' | 'wifi' | '802154' | 'ble';
  /** Supply voltage the currents are given at (the datasheet's, not the battery's). */
  volts: number;
  /** Transmitting, receiving, and waiting for an answer with the receiver on (mA). */
  txmA: number;
  rxmA: number;
  listenmA: number;
  /** Connected idle between events: Wi-Fi DTIM modem sleep, LTE RRC idle with (e)DRX paging, BLE connection events. */
  idlemA: number;
  /** Deep sleep, PSM. */
  sleepmA: number;
  /** From sleep (PSM, deep sleep) to able to send: boot, association, RRC connection setup. */
  wake: { ms: number; mC: number };
  /** From connected idle back to active: RRC idle → connected (cellular); none where idle is connected. */
  promote: { ms: number; mC: number };
  /** After traffic the radio stays on this long at this current (RRC inactivity timer, power-save timeout). */
  tail: { ms: number; mA: number };
  /** The tail when the device signals Release Assistance (3GPP Rel-14 RAI); null: not offered. */
  raiTailMs: number | null;
  /** Idle floors (mA) by eDRX cycle (seconds as written, e.g. '81.92'), for persistent devices. */
  edrx: Readonly<Record<string, number>>;
  link: LinkModel;
  /** NB-IoT: the coverage classes and the default one. */
  coverage: Readonly<Partial<Record<CoverageClass, Coverage>>>;
  defaultCoverage: CoverageClass | null;
}

export type ProfileName = 'esp32-wifi' | 'cc2538-802154' | 'nrf52-ble' | 'nrf9160-ltem' | 'nbiot' | 'lte-phone';

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
    // [GLENN20] static-IP reconnect from deep sleep: 100.2 mC over 734 ms measured at 5 V, i.e.
    // 0.501 J; held as charge at this profile's 3.3 V (a switching supply conserves power).
    wake: { ms: 734, mC: 151.8 },
    // A connected station is associated: nothing to promote.
    promote: NONE,
    // Power-save entry after traffic: assumption (the station stays awake 50 ms more).
    tail: { ms: 50, mA: 100 },
    raiTailMs: null,
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
    // A sleepy node needs no association per wake (assumption: 1 ms of CPU at PM0, 13 mA).
    wake: { ms: 1, mC: 0.013 },
    promote: NONE,
    tail: { ms: 0, mA: 0 },
    raiTailMs: null,
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
    // Reconnection (advertising + connection setup): assumption, 10 ms of CPU and radio at 3.3 + 6.3 mA.
    wake: { ms: 10, mC: 0.096 },
    promote: NONE,
    tail: { ms: 0, mA: 0 },
    raiTailMs: null,
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
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
  'nrf9160-ltem': {
    name: 'nrf9160-ltem',
    source:
      '[NRF91-PWR] Nordic nRF Connect SDK power.rst (LTE-M UDP with PSM: 115.06 mC for 40 B, 116.57 mC for 120 B, RRC inactivity 11 s = 93.82 mC, PSM floor 3.44 µA); [NRF91-PS] nRF9160 Product Specification (eDRX averages); [BOAKS] (RAI tail)',
    kind: 'cellular',
    volts: 3.7,
    // What a byte costs is the charge per byte [NRF91-PWR] measured: (116.57 − 115.06) mC / 80 B
    // = 18.9 µC/B; at 120 mA that is an effective 50.9 kbit/s uplink (the current is an
    // assumption; the product is what the measurement fixes). [NRF91-PS]: 100–115 mA at 23 dBm.
    txmA: 120,
    rxmA: 60,
    // Connected, waiting for an answer: cDRX around the answer (assumption).
    listenmA: 30,
    // RRC idle with eDRX 81.92 s, one paging occasion per PTW of 2.56 s: 18 µA [NRF91-PS].
    idlemA: 0.018,
    sleepmA: 0.00344,
    // RRC connection setup and the rest of the 1.32 s before the tail [NRF91-PWR]: 115.06 − 93.82
    // = 21.24 mC less the 68 B (40 + UDP/IP 28) the measurement sent, 1.28 mC at 18.9 µC/B.
    wake: { ms: 1_320, mC: 19.96 },
    // From RRC idle (eDRX) the same RRC connection setup: no attach, as from PSM.
    promote: { ms: 1_320, mC: 19.96 },
    // RRC inactivity timer 11 s in cDRX: 93.82 mC [NRF91-PWR].
    tail: { ms: 11_000, mA: 8.529 },
    // With RAI the network releases the connection about 1 s after the exchange [BOAKS].
    raiTailMs: 1_000,
    edrx: { '81.92': 0.018, '655.36': 0.006 },
    link: {
      name: 'LTE-M',
      // [NRF91-PWR]'s per-byte charge fixes txmA × 8 / upBps; the round trips are an assumption.
      source: '[NRF91-PWR] per-byte charge; LTE-M round trips: assumption',
      rttMs: { low: 60, mid: 150, high: 400 },
      upBps: 50_861,
      downBps: 300_000,
      preambleUs: 0,
      linkOverheadBytes: 0,
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
  nbiot: {
    name: 'nbiot',
    source:
      '[TR45820] 3GPP TR 45.820 power model as in Ratasuk et al. 2016 (TX 543 mW, RX 90 mW, light sleep 2.4 mW, deep sleep 0.015 mW); [ROBINSON] latency on a live network; [NRF91-PS] NB-IoT eDRX averages',
    kind: 'cellular',
    // [TR45820] gives powers; at a nominal 3.6 V they are these currents.
    volts: 3.6,
    txmA: 150.8,
    rxmA: 25,
    listenmA: 25,
    // Light sleep (RRC idle, DRX) 2.4 mW [TR45820].
    idlemA: 0.667,
    sleepmA: 0.00417,
    // Waking takes synchronisation, system information, random access and RRC setup at RX power;
    // the time grows with the coverage class (below). This is the 'normal' class.
    wake: { ms: 1_000, mC: 25 },
    promote: { ms: 1_000, mC: 25 },
    // RRC inactivity in connected DRX at light-sleep power between PDCCH monitoring: 10 s at the
    // average of RX and light sleep (assumption; the network sets the timer).
    tail: { ms: 10_000, mA: 5 },
    raiTailMs: 1_000,
    edrx: { '81.92': 0.037, '655.36': 0.009 },
    link: {
      name: 'NB-IoT normal (144 dB)',
      source: '[TR45820] coverage classes; rates and round trips per class: assumption, [ROBINSON] for robust',
      rttMs: { low: 300, mid: 600, high: 1_500 },
      upBps: 20_000,
      downBps: 20_000,
      preambleUs: 0,
      linkOverheadBytes: 0,
      loss: 0,
    },
    coverage: {
      // Effective rates after repetitions: assumptions spanning TR 45.820's classes; 'robust'
      // matches [ROBINSON]'s 2.16–2.67 s UDP latency on a live network.
      normal: {
        couplingLossDb: 144,
        link: { rttMs: { low: 300, mid: 600, high: 1_500 }, upBps: 20_000, downBps: 20_000 },
        wake: { ms: 1_000, mC: 25 },
      },
      robust: {
        couplingLossDb: 154,
        link: { rttMs: { low: 2_160, mid: 2_370, high: 2_670 }, upBps: 2_000, downBps: 4_000 },
        wake: { ms: 2_000, mC: 50 },
      },
      extreme: {
        couplingLossDb: 164,
        link: { rttMs: { low: 5_000, mid: 8_000, high: 12_000 }, upBps: 300, downBps: 600 },
        wake: { ms: 5_000, mC: 125 },
      },
    },
    defaultCoverage: 'normal',
  },
  'lte-phone': {
    name: 'lte-phone',
    source:
      '[ARO] AT&T Application Resource Optimizer lte.conf, the LTE RRC power model of Huang et al., MobiSys 2012 (promotion 0.26 s at 1.21 W; tail 0.1 s at β 1.2 W then 10 s long DRX at 1.06 W with 2 ms pings at 1.68 W every 40 ms; idle pings 43 ms at 0.594 W every 1.28 s; α_u 438.39, α_d 51.97 mW/Mbit/s)',
    kind: 'cellular',
    // [ARO] gives powers; at a phone battery's nominal 3.7 V (assumption) they are these currents.
    volts: 3.7,
    // Uplink at 5 Mbit/s: β + α_u·5 = 1.2 + 2.19 W = 3.39 W; downlink at 20 Mbit/s: 1.2 + 1.04 W.
    txmA: 916.7,
    rxmA: 605.3,
    // Connected, nothing on the air: β 1.2 W.
    listenmA: 324.3,
    // RRC idle: a 43 ms ping at 0.594 W every 1.28 s = 19.95 mW.
    idlemA: 5.393,
    // A phone's modem does not use PSM: its floor is RRC idle.
    sleepmA: 5.393,
    // Promotion idle → connected: 0.26 s at 1.21 W = 0.3146 J.
    wake: { ms: 260, mC: 85.03 },
    promote: { ms: 260, mC: 85.03 },
    // 0.1 s at 1.2 W + 0.02 s short DRX at 1.68 W + 10 s long DRX (2 ms at 1.68 W, 38 ms at
    // 1.06 W per 40 ms) = 11.064 J over 10.12 s.
    tail: { ms: 10_120, mA: 295.5 },
    raiTailMs: null,
    edrx: {},
    link: {
      name: 'LTE',
      source: '[ARO] rates are the model’s inputs; round trips: assumption',
      rttMs: { low: 40, mid: 70, high: 150 },
      upBps: 5_000_000,
      downBps: 20_000_000,
      preambleUs: 0,
      linkOverheadBytes: 0,
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
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
      name: `NB-IoT ${c} (${cov.couplingLossDb} dB)`,
    },
  };
}
