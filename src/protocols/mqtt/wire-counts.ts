// The wire log of one MQTT device, by kind (handshake, data, keepalive) as the power model prices
// it: packets and bytes each way, connections opened and the round trips waited for. Plain
// small-integer fields rather than power's WireLog (nine objects), as a device holds them for its whole life;
// `wire` builds the totals.
import { emptyWire, type WireKind, type WireTotalsByKind } from '../../power/wire.ts';
import { WAIT_OF } from './codec.ts';

export abstract class WireCounts {
  private connections = 0;
  private txHandshakePackets = 0;
  private txHandshakeBytes = 0;
  private txDataPackets = 0;
  private txDataBytes = 0;
  private txKeepalivePackets = 0;
  private txKeepaliveBytes = 0;
  private rxHandshakePackets = 0;
  private rxHandshakeBytes = 0;
  private rxDataPackets = 0;
  private rxDataBytes = 0;
  private rxKeepalivePackets = 0;
  private rxKeepaliveBytes = 0;
  private handshakeWaits = 0;
  private dataWaits = 0;
  private keepaliveWaits = 0;

  get wire(): WireTotalsByKind {
    const w = emptyWire();
    w.connections = this.connections;
    w.tx.handshake = { packets: this.txHandshakePackets, bytes: this.txHandshakeBytes };
    w.tx.data = { packets: this.txDataPackets, bytes: this.txDataBytes };
    w.tx.keepalive = { packets: this.txKeepalivePackets, bytes: this.txKeepaliveBytes };
    w.rx.handshake = { packets: this.rxHandshakePackets, bytes: this.rxHandshakeBytes };
    w.rx.data = { packets: this.rxDataPackets, bytes: this.rxDataBytes };
    w.rx.keepalive = { packets: this.rxKeepalivePackets, bytes: this.rxKeepaliveBytes };
    w.waits = { handshake: this.handshakeWaits, data: this.dataWaits, keepalive: this.keepaliveWaits };
    return w;
  }

  protected opened(): void {
    this.connections++;
  }

  protected logSent(kind: WireKind, size: number): void {
    if (kind === 'data') {
      this.txDataPackets++;
      this.txDataBytes += size;
    } else if (kind === 'keepalive') {
      this.txKeepalivePackets++;
      this.txKeepaliveBytes += size;
    } else {
      this.txHandshakePackets++;
      this.txHandshakeBytes += size;
    }
  }

  protected logReceived(kind: WireKind, size: number): void {
    if (kind === 'data') {
      this.rxDataPackets++;
      this.rxDataBytes += size;
    } else if (kind === 'keepalive') {
      this.rxKeepalivePackets++;
      this.rxKeepaliveBytes += size;
    } else {
      this.rxHandshakePackets++;
      this.rxHandshakeBytes += size;
    }
  }

  protected logWait(type: number): void {
    const kind = WAIT_OF[type];
    if (kind === 'data') this.dataWaits++;
    else if (kind === 'handshake') this.handshakeWaits++;
    else if (kind === 'keepalive') this.keepaliveWaits++;
  }
}
