/**
 * TCP connection tracking for the flow table: the per-side sequence state (ISN, next expected sequence,
 * last ack, window, window scale, SACK-permitted, timestamps) the stream reassembler builds on, and the
 * state machine that walks a connection from SYN to CLOSED.
 *
 * States are named from the client's (the initiator's) point of view, as in RFC 793:
 * SYN -> SYN_SENT, SYN/ACK -> SYN_RECV, ACK -> ESTABLISHED. Client closes first: FIN_WAIT1, FIN_WAIT2
 * (its FIN acked), TIME_WAIT (server's FIN seen), CLOSED (both FINs acked). Server closes first:
 * CLOSE_WAIT, LAST_ACK (client's FIN seen), CLOSED. FINs crossing: CLOSING. An in-window RST from
 * either side: CLOSED. A connection picked up without its handshake starts ESTABLISHED and learns each
 * side's sequence numbers from the first packet it sees from that side.
 *
 * Never allocates, never throws: bad segments add anomalies to the packet and leave the state alone.
 * Everything lives in typed arrays indexed `[2 * flow + side]` (side 0 client, 1 server).
 *
 * @example
 * ```ts
 * import { TcpTracker, TCP_NONE } from "./tcp-state.ts";
 * import { Packet, TH_SYN } from "../packet.ts";
 * const t = new TcpTracker(16);
 * const p = new Packet();
 * p.proto = 6; p.tcpFlags = TH_SYN; p.tcpSeq = 1000;
 * t.reset(0);
 * console.log(t.step(0, p, 0, TCP_NONE)); // 1 (TCP_SYN_SENT)
 * ```
 */
import type { Packet } from "../packet.ts";
import { MAX_PACKET_ANOMALIES, TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../packet.ts";
import {
  A_STREAM_3WHS_SYN_RESEND_DIFF_SEQ,
  A_STREAM_3WHS_SYNACK_WITH_WRONG_ACK,
  A_STREAM_3WHS_WRONG_SEQ_WRONG_ACK,
  A_STREAM_RST_INVALID,
} from "../anomaly.ts";

export const TCP_NONE = 0,
  TCP_SYN_SENT = 1,
  TCP_SYN_RECV = 2,
  TCP_ESTABLISHED = 3,
  TCP_FIN_WAIT1 = 4,
  TCP_FIN_WAIT2 = 5,
  TCP_TIME_WAIT = 6,
  TCP_CLOSE_WAIT = 7,
  TCP_LAST_ACK = 8,
  TCP_CLOSING = 9,
  TCP_CLOSED = 10;

/** Bits of `TcpTracker.side[2 * flow + side]`. */
export const SIDE_SEQ_KNOWN = 0x01; // isn/nextSeq hold real values
export const SIDE_ACK_KNOWN = 0x02; // lastAck holds a real value
export const SIDE_WSCALE = 0x04; // this side offered window scaling on its SYN
export const SIDE_SACK_PERM = 0x08; // this side offered SACK on its SYN
export const SIDE_TS = 0x10; // this side sent TCP timestamps
export const SIDE_FIN = 0x20; // this side sent a FIN; nextSeq is the sequence just past it
export const SIDE_FIN_ACKED = 0x40; // ... and the other side acknowledged it

/** Adds an anomaly to a packet if it has room. */
export function addAnomaly(p: Packet, code: number): void {
  if (p.anomalyCount < MAX_PACKET_ANOMALIES) p.anomalies[p.anomalyCount++] = code;
}

/** a after b in sequence space (booleans, not differences: a returned int32 may be a boxed number). */
function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export class TcpTracker {
  /** Initial sequence number per side. */
  readonly isn: Uint32Array;
  /** Next sequence number expected from the side (highest seq + length seen, FIN counted). */
  readonly nextSeq: Uint32Array;
  /** Last acknowledgement number the side sent. */
  readonly lastAck: Uint32Array;
  /** Last raw (unscaled) window the side advertised. */
  readonly win: Uint16Array;
  /** Window scale shift the side offered on its SYN (0-14). */
  readonly wscale: Uint8Array;
  /** SIDE_* bits. */
  readonly side: Uint8Array;

  constructor(maxFlows: number) {
    const n = maxFlows * 2;
    this.isn = new Uint32Array(n);
    this.nextSeq = new Uint32Array(n);
    this.lastAck = new Uint32Array(n);
    this.win = new Uint16Array(n);
    this.wscale = new Uint8Array(n);
    this.side = new Uint8Array(n);
  }

  /** Bytes of typed-array memory held. */
  get memoryBytes(): number {
    return this.isn.byteLength + this.nextSeq.byteLength + this.lastAck.byteLength + this.win.byteLength +
      this.wscale.byteLength + this.side.byteLength;
  }

  /** Forgets both sides of flow `idx` (a new flow in a reused slot). */
  reset(idx: number): void {
    const c = idx * 2;
    this.side[c] = 0;
    this.side[c + 1] = 0;
    this.win[c] = 0;
    this.win[c + 1] = 0;
    this.wscale[c] = 0;
    this.wscale[c + 1] = 0;
  }

  /** The receive window side `s` offered, scaled when both sides agreed to scaling. */
  scaledWindow(idx: number, s: number): number {
    const c = idx * 2;
    const w = this.win[c + s];
    if ((this.side[c] & this.side[c + 1] & SIDE_WSCALE) === 0) return w;
    return w * (1 << this.wscale[c + s]);
  }

  /**
   * Runs one segment of flow `idx` sent by side `s` (0 client, 1 server) through the state machine.
   * `st` is the flow's current TCP_* state; returns the new one.
   */
  step(idx: number, p: Packet, s: number, st: number): number {
    const flags = p.tcpFlags;
    const c = idx * 2;
    const me = c + s;
    const other = c + 1 - s;
    const seq = p.tcpSeq >>> 0;
    const ack = p.tcpAck >>> 0;

    if ((flags & TH_RST) !== 0) {
      if (st === TCP_NONE || this.rstValid(idx, p, s, st)) {
        this.noteAck(me, flags, ack);
        return TCP_CLOSED;
      }
      addAnomaly(p, A_STREAM_RST_INVALID);
      return st;
    }

    const syn = (flags & TH_SYN) !== 0;
    const hasAck = (flags & TH_ACK) !== 0;
    switch (st) {
      case TCP_NONE:
        if (syn && !hasAck) {
          this.learnSyn(me, p, seq);
          this.win[me] = p.tcpWin;
          return TCP_SYN_SENT;
        }
        if (syn) {
          // A SYN/ACK first: the handshake's start was missed; take it up as established.
          this.learnSyn(me, p, seq);
          this.win[me] = p.tcpWin;
          this.noteAck(me, flags, ack);
          return TCP_ESTABLISHED;
        }
        // Picked up midstream: each side learns its sequence from its first packet.
        this.account(idx, p, s, seq, ack);
        return this.closingState(c, TCP_ESTABLISHED);

      case TCP_SYN_SENT:
        if (s === 0) {
          if (syn && !hasAck) {
            // A SYN resent with another ISN restarts the handshake (as stacks do), but is worth noting.
            if (seq !== this.isn[me]) addAnomaly(p, A_STREAM_3WHS_SYN_RESEND_DIFF_SEQ);
            this.learnSyn(me, p, seq);
            this.win[me] = p.tcpWin;
          }
          return st;
        }
        if (syn && hasAck) {
          if (ack !== this.nextSeq[other]) {
            addAnomaly(p, A_STREAM_3WHS_SYNACK_WITH_WRONG_ACK);
            return st;
          }
          this.learnSyn(me, p, seq);
          this.win[me] = p.tcpWin;
          this.noteAck(me, flags, ack);
          return TCP_SYN_RECV;
        }
        return st;

      case TCP_SYN_RECV:
        if (s === 0) {
          if (syn) {
            if (seq !== this.isn[me]) addAnomaly(p, A_STREAM_3WHS_SYN_RESEND_DIFF_SEQ);
            return st;
          }
          if (!hasAck) return st;
          if (ack !== this.nextSeq[other]) {
            addAnomaly(p, A_STREAM_3WHS_WRONG_SEQ_WRONG_ACK);
            return st;
          }
          this.account(idx, p, s, seq, ack);
          return this.closingState(c, TCP_ESTABLISHED);
        }
        // Server: SYN/ACK retransmissions and anything else before the final ACK change nothing.
        if (!syn) this.account(idx, p, s, seq, ack);
        return st;

      case TCP_CLOSED:
        this.noteAck(me, flags, ack);
        return st;

      default:
        if (syn) return st; // SYN on an open connection: nothing to learn (reuse is the caller's business)
        this.account(idx, p, s, seq, ack);
        return this.closingState(c, st);
    }
  }

  /** Records a SYN or SYN/ACK: ISN, next sequence, and the options that are only valid on SYNs. */
  private learnSyn(me: number, p: Packet, seq: number): void {
    this.isn[me] = seq;
    this.nextSeq[me] = (seq + 1 + p.payloadLen) >>> 0;
    let f = SIDE_SEQ_KNOWN;
    if (p.tcpWscale >= 0) {
      f |= SIDE_WSCALE;
      this.wscale[me] = p.tcpWscale > 14 ? 14 : p.tcpWscale;
    }
    if (p.tcpSackPerm !== 0) f |= SIDE_SACK_PERM;
    if (p.tcpHasTs !== 0) f |= SIDE_TS;
    this.side[me] = f;
  }

  private noteAck(me: number, flags: number, ack: number): void {
    if ((flags & TH_ACK) === 0) return;
    this.lastAck[me] = ack;
    this.side[me] |= SIDE_ACK_KNOWN;
  }

  /** Sequence, ack, window and FIN bookkeeping for a non-SYN segment. */
  private account(idx: number, p: Packet, s: number, seq: number, ack: number): void {
    const c = idx * 2;
    const me = c + s;
    const other = c + 1 - s;
    const flags = p.tcpFlags;
    const fin = (flags & TH_FIN) !== 0;
    let f = this.side[me];
    if (p.tcpHasTs !== 0) f |= SIDE_TS;
    const end = (seq + p.payloadLen + (fin ? 1 : 0)) >>> 0;
    if ((f & SIDE_SEQ_KNOWN) === 0) {
      this.isn[me] = (seq - 1) >>> 0; // unknown ISN: pretend the first byte seen follows it
      this.nextSeq[me] = end;
      f |= SIDE_SEQ_KNOWN;
    } else if ((f & SIDE_FIN) === 0 && seqGt(end, this.nextSeq[me])) {
      this.nextSeq[me] = end;
    }
    if (fin && (f & SIDE_FIN) === 0) {
      f |= SIDE_FIN;
      this.nextSeq[me] = end;
    }
    this.win[me] = p.tcpWin;
    this.side[me] = f;
    if ((flags & TH_ACK) !== 0) {
      this.lastAck[me] = ack;
      this.side[me] |= SIDE_ACK_KNOWN;
      const o = this.side[other];
      if ((o & (SIDE_FIN | SIDE_FIN_ACKED)) === SIDE_FIN && seqGeq(ack, this.nextSeq[other])) {
        this.side[other] = o | SIDE_FIN_ACKED;
      }
    }
  }

  /** The closing state the FIN bits of both sides put an open connection in (`st`: the state before). */
  private closingState(c: number, st: number): number {
    const a = this.side[c];
    const b = this.side[c + 1];
    const fa = (a & SIDE_FIN) !== 0;
    const fb = (b & SIDE_FIN) !== 0;
    if (!fa && !fb) return TCP_ESTABLISHED;
    const aa = (a & SIDE_FIN_ACKED) !== 0;
    const ba = (b & SIDE_FIN_ACKED) !== 0;
    if (fa && fb && aa && ba) return TCP_CLOSED;
    if (fa && !fb) return aa ? TCP_FIN_WAIT2 : TCP_FIN_WAIT1;
    if (!fa && fb) return TCP_CLOSE_WAIT;
    // Both FINs sent, not both acknowledged: who closed first decides the name.
    if (st === TCP_CLOSE_WAIT || st === TCP_LAST_ACK) return TCP_LAST_ACK;
    if (!aa) return TCP_CLOSING;
    return TCP_TIME_WAIT;
  }

  /**
   * Whether a RST from side `s` is acceptable, roughly as Suricata's Linux-like policy judges it: its
   * sequence must fall between what the receiver last acknowledged and the sender's next sequence plus
   * the receiver's window. A RST answering a SYN must acknowledge it exactly.
   */
  private rstValid(idx: number, p: Packet, s: number, st: number): boolean {
    const c = idx * 2;
    const me = c + s;
    const other = c + 1 - s;
    const seq = p.tcpSeq >>> 0;
    if (st === TCP_SYN_SENT) {
      if (s === 1) return (p.tcpFlags & TH_ACK) !== 0 && (p.tcpAck >>> 0) === this.nextSeq[other];
      return seq === this.nextSeq[me];
    }
    const f = this.side[me];
    if ((f & SIDE_SEQ_KNOWN) === 0) return true; // nothing known to check against
    const next = this.nextSeq[me];
    if (seq === next) return true;
    const lo = (this.side[other] & SIDE_ACK_KNOWN) !== 0 ? this.lastAck[other] : next;
    let w = this.scaledWindow(idx, 1 - s);
    if (w < 1) w = 1;
    const hi = (next + w) >>> 0;
    return seqGeq(seq, lo) && !seqGeq(seq, hi);
  }
}
