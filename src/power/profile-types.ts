// The shape of a radio profile and of the link it is priced over (the data is in profiles.ts).

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
  /** The radio's ramp-up before each packet it sends or receives, at that packet's current. */
  rampUs: number;
  /** Listen-before-talk before each packet sent (802.15.4 CCA, Wi-Fi DIFS), at the receive current. */
  ccaUs: number;
  /**
   * The link layer's own acknowledgement of each packet: turnaround and the ACK frame, at the
   * receive current after a packet sent and at the transmit current after one received.
   */
  l2AckUs: number;
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
  /** The MCU's current while the radio is busy at the link layer (it runs the stack); 0 when the radio figures include it. */
  cpumA: number;
  /** From sleep (PSM, deep sleep) to able to send: boot, association, RRC connection setup. */
  wake: { ms: number; mC: number };
  /** From connected idle back to active: RRC idle → connected (cellular); none where idle is connected. */
  promote: { ms: number; mC: number };
  /** After traffic the radio stays on this long at this current (RRC inactivity timer, power-save timeout). */
  tail: { ms: number; mA: number };
  /** The tail when the device signals Release Assistance (3GPP Rel-14 RAI); null: not offered. */
  raiTailMs: number | null;
  /** Cellular: from modem off to able to send (network search, attach, default bearer); null: not cellular. */
  attach: { ms: number; mC: number } | null;
  /** Idle floors (mA) by eDRX cycle (seconds as written, e.g. '81.92'), for persistent devices. */
  edrx: Readonly<Record<string, number>>;
  link: LinkModel;
  /** NB-IoT: the coverage classes and the default one. */
  coverage: Readonly<Partial<Record<CoverageClass, Coverage>>>;
  defaultCoverage: CoverageClass | null;
}
