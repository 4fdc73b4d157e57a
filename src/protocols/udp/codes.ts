// The UDP driver's code book: acks matched, sent and left unanswered.
import { codeBook } from '../../metrics/codes.ts';

export const UDP_CODES = codeBook({
  udp: {
    codes: {
      acked: false,
      ack_sent: false,
      timeout: { meaning: 'datagram not acknowledged within the timeout (lost either way)', notable: true },
      unmatched_ack: { meaning: 'ack for no datagram in flight (late, duplicated or foreign)', notable: true },
      abandoned: { meaning: 'datagram still waiting for its ack when the device closed', notable: true },
    },
  },
});
