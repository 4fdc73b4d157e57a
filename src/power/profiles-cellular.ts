// The cellular radio profiles (LTE-M, NB-IoT, an LTE phone): data like the others in
// profiles.ts, where the source tags ([NRF91-PWR], [NRF91-PS], [FOSSE20], [ARO], [TR45820],
// [ROBINSON], [BOAKS]) are spelled out.
import type { RadioProfile } from './profile-types.ts';

export const CELLULAR: Readonly<Record<'nrf9160-ltem' | 'nbiot' | 'lte-phone', RadioProfile>> = {
  'nrf9160-ltem': {
    name: 'nrf9160-ltem',
    source:
      '[NRF91-PWR] Nordic nRF Connect SDK power.rst (LTE-M UDP with PSM: 115.06 mC for 40 B, 116.57 mC for 120 B, RRC inactivity 11 s = 93.82 mC, PSM floor 3.44 µA); [FOSSE20] NTNU thesis 2020 (charge per byte); [NRF91-PS] nRF9160 Product Specification (eDRX averages); [BOAKS] (RAI tail)',
    kind: 'cellular',
    volts: 3.7,
    // What a byte costs: 2.99 µC/B, the slope of [FOSSE20]'s MQTT payload sweep (0–4096 B, 3.7 V,
    // Telenor LTE-M; his CoAP sweep over 0–1439 B is flat within its noise). At 120 mA that is an
    // effective 321 kbit/s uplink (the current is an assumption; the product is what the sweep
    // fixes). Nordic's two payloads 80 B apart [NRF91-PWR] differ by 1.51 mC, which would be
    // 18.9 µC/B: within a report's noise, and 6× the sweep. [NRF91-PS]: 100–115 mA at 23 dBm.
    txmA: 120,
    rxmA: 60,
    // Connected, waiting for an answer: cDRX around the answer (assumption).
    listenmA: 30,
    // RRC idle with eDRX 81.92 s, one paging occasion per PTW of 2.56 s: 18 µA [NRF91-PS].
    idlemA: 0.018,
    sleepmA: 0.00344,
    cpumA: 0,
    // RRC connection setup and the rest of the 1.32 s before the tail [NRF91-PWR]: 115.06 − 93.82
    // = 21.24 mC less the 68 B (40 + UDP/IP 28) the measurement sent, 0.20 mC at 2.99 µC/B.
    wake: { ms: 1_320, mC: 21.04 },
    // From RRC idle (eDRX) the same RRC connection setup: no attach, as from PSM.
    promote: { ms: 1_320, mC: 21.04 },
    // RRC inactivity timer 11 s in cDRX: 93.82 mC [NRF91-PWR].
    tail: { ms: 11_000, mA: 8.529 },
    // With RAI the network releases the connection about 1 s after the exchange [BOAKS].
    raiTailMs: 1_000,
    // Modem off → on: network search, attach and a default bearer (assumption: 5 s at 50 mA).
    attach: { ms: 5_000, mC: 250 },
    edrx: { '81.92': 0.018, '655.36': 0.006 },
    link: {
      name: 'LTE-M',
      // [FOSSE20]'s per-byte charge fixes txmA × 8 / upBps; the round trips are an assumption.
      source: '[FOSSE20] per-byte charge; LTE-M round trips: assumption',
      rttMs: { low: 60, mid: 150, high: 400 },
      upBps: 321_070,
      downBps: 300_000,
      preambleUs: 0,
      linkOverheadBytes: 0,
      rampUs: 0,
      ccaUs: 0,
      l2AckUs: 0,
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
    cpumA: 0,
    // Waking takes synchronisation, system information, random access and RRC setup at RX power;
    // the time grows with the coverage class (below). This is the 'normal' class.
    wake: { ms: 1_000, mC: 25 },
    promote: { ms: 1_000, mC: 25 },
    // RRC inactivity in connected DRX at light-sleep power between PDCCH monitoring: 10 s at the
    // average of RX and light sleep (assumption; the network sets the timer).
    tail: { ms: 10_000, mA: 5 },
    raiTailMs: 1_000,
    // Modem off → on: cell search, attach with repetitions (assumption: 10 s at 40 mA, normal coverage).
    attach: { ms: 10_000, mC: 400 },
    edrx: { '81.92': 0.037, '655.36': 0.009 },
    link: {
      name: 'NB-IoT (144 dB)',
      source: '[TR45820] coverage classes; rates and round trips per class: assumption, [ROBINSON] for robust',
      rttMs: { low: 300, mid: 600, high: 1_500 },
      upBps: 20_000,
      downBps: 20_000,
      preambleUs: 0,
      linkOverheadBytes: 0,
      rampUs: 0,
      ccaUs: 0,
      l2AckUs: 0,
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
    cpumA: 0,
    // Promotion idle → connected: 0.26 s at 1.21 W = 0.3146 J.
    wake: { ms: 260, mC: 85.03 },
    promote: { ms: 260, mC: 85.03 },
    // 0.1 s at 1.2 W + 0.02 s short DRX at 1.68 W + 10 s long DRX (2 ms at 1.68 W, 38 ms at
    // 1.06 W per 40 ms) = 11.064 J over 10.12 s.
    tail: { ms: 10_120, mA: 295.5 },
    raiTailMs: null,
    attach: null,
    edrx: {},
    link: {
      name: 'LTE',
      source: '[ARO] rates are the model’s inputs; round trips: assumption',
      rttMs: { low: 40, mid: 70, high: 150 },
      upBps: 5_000_000,
      downBps: 20_000_000,
      preambleUs: 0,
      linkOverheadBytes: 0,
      rampUs: 0,
      ccaUs: 0,
      l2AckUs: 0,
      loss: 0,
    },
    coverage: {},
    defaultCoverage: null,
  },
};
