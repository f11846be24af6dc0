/**
 * FTP data-connection expectations: what PORT / EPRT commands and PASV (227) / EPSV (229) replies
 * announced — the address and port a data connection will go to, until when. The flow table can ask
 * `match` for each new TCP flow's responder address and port and label a hit `ftp-data`.
 *
 * A bounded table (oldest entries are overwritten when it is full, `dropped` counts them); addresses as
 * `Packet` holds them: four big-endian 32-bit words, IPv4 in word 0. An EPSV reply does not name an
 * address (the data connection goes to the control connection's server), so such entries match any
 * address on that port. Never allocates after construction.
 *
 * @example
 * ```ts
 * import { FtpExpectations } from "./expectations.ts";
 * const x = new FtpExpectations(64);
 * x.add(4, 0xc0a80001, 0, 0, 0, 50000, 1_000_000, false); // 192.168.0.1:50000 until t=1s
 * const addr = new Uint32Array([0xc0a80001, 0, 0, 0]);
 * x.match(4, addr, 50000, 500_000); // true, and the entry is used up
 * ```
 */
export class FtpExpectations {
  private readonly ipv: Uint8Array;
  private readonly addr: Uint32Array;
  private readonly port: Uint16Array;
  private readonly expires: Float64Array;
  private readonly anyAddr: Uint8Array;
  private readonly live: Uint8Array;
  private nextSlot = 0;
  /** Live entries. */
  count = 0;
  /** Entries overwritten while still live because the table was full. */
  dropped = 0;
  /** Successful matches. */
  matched = 0;

  constructor(readonly capacity: number) {
    this.ipv = new Uint8Array(capacity);
    this.addr = new Uint32Array(capacity * 4);
    this.port = new Uint16Array(capacity);
    this.expires = new Float64Array(capacity);
    this.anyAddr = new Uint8Array(capacity);
    this.live = new Uint8Array(capacity);
  }

  /** Records that a data connection to (`a0..a3`, `port`) is expected until `expiresUs`. */
  add(ipVersion: number, a0: number, a1: number, a2: number, a3: number, port: number, expiresUs: number, anyAddr: boolean): void {
    if (this.capacity === 0) return;
    const i = this.nextSlot;
    this.nextSlot = (i + 1) % this.capacity;
    if (this.live[i] === 1) this.dropped++;
    else this.count++;
    this.live[i] = 1;
    this.ipv[i] = ipVersion;
    this.addr[i * 4] = a0;
    this.addr[i * 4 + 1] = a1;
    this.addr[i * 4 + 2] = a2;
    this.addr[i * 4 + 3] = a3;
    this.port[i] = port;
    this.expires[i] = expiresUs;
    this.anyAddr[i] = anyAddr ? 1 : 0;
  }

  /**
   * Whether a new connection to `addr` (4 words) / `port` was expected and has not expired at `nowUs`;
   * a hit uses the entry up. Expired entries met on the way are dropped.
   */
  match(ipVersion: number, addr: Uint32Array, port: number, nowUs: number): boolean {
    for (let i = 0; i < this.capacity; i++) {
      if (this.live[i] === 0) continue;
      if (this.expires[i] < nowUs) {
        this.live[i] = 0;
        this.count--;
        continue;
      }
      if (this.port[i] !== port) continue;
      if (this.anyAddr[i] === 0) {
        if (this.ipv[i] !== ipVersion) continue;
        const b = i * 4;
        if (this.addr[b] !== addr[0] || this.addr[b + 1] !== addr[1] || this.addr[b + 2] !== addr[2] || this.addr[b + 3] !== addr[3]) continue;
      }
      this.live[i] = 0;
      this.count--;
      this.matched++;
      return true;
    }
    return false;
  }
}
