/**
 * Assembles text lines (LF-terminated, a CR before the LF dropped) from bytes that arrive in pieces,
 * for the line-based app-layer protocols (SMTP, IMAP, POP3, FTP) and MIME. One `LineReader` per flow
 * direction, made when the parser's pool is built; the line is copied into its fixed buffer. Also the
 * case-insensitive keyword test those protocols' command and reply lines share (`startsWithWord`).
 *
 * A line longer than the buffer is either cut (`truncated` set, the rest up to LF discarded: command
 * lines) or handed out in buffer-sized pieces (`partial` set on all but the last: message bodies).
 * Never allocates after construction, never throws.
 *
 * @example
 * ```ts
 * import { LineReader } from "./line-reader.ts";
 * const r = new LineReader(512, false);
 * const bytes = new TextEncoder().encode("EHLO a\r\nMAIL");
 * let off = 0;
 * while (off < bytes.length) {
 *   off = r.feed(bytes, off, bytes.length);
 *   if (!r.ready) break;                      // "MAIL" waits for more bytes
 *   console.log(r.buf.subarray(0, r.len));    // "EHLO a"
 *   r.clear();
 * }
 * ```
 */
/** `c` with ASCII upper case letters made lower case. */
export function asciiLower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Case-insensitive: does `buf[off, end)` start with ASCII `lit` (given in lower case)? */
export function startsWithWord(buf: Uint8Array, off: number, end: number, lit: string): boolean {
  if (end - off < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (asciiLower(buf[off + i]) !== lit.charCodeAt(i)) return false;
  return true;
}

export class LineReader {
  readonly buf: Uint8Array;
  /** Bytes of the line so far (CR/LF excluded once `ready`). */
  len = 0;
  /** A line (or, with `split`, a piece of one) is complete: read `buf[0, len)`, then `clear()`. */
  ready = false;
  /** The ready line was longer than the buffer and was cut (command mode). */
  truncated = false;
  /** The ready piece is not the end of its line (split mode). */
  partial = false;
  /** The previous piece handed out was partial: this one continues that line. */
  continued = false;
  private discarding = false;

  /** `split`: hand out long lines in pieces instead of cutting them. */
  constructor(cap: number, public split: boolean) {
    this.buf = new Uint8Array(cap);
  }

  /** Forgets the ready line (keeps whether it continues: see `continued`). */
  clear(): void {
    this.continued = this.ready && this.partial;
    this.len = 0;
    this.ready = false;
    this.truncated = false;
    this.partial = false;
  }

  /** Forgets everything (a new flow or a resynchronisation). */
  reset(): void {
    this.len = 0;
    this.ready = false;
    this.truncated = false;
    this.partial = false;
    this.continued = false;
    this.discarding = false;
  }

  /**
   * Consumes bytes of `src[off, end)` until a line is ready or the bytes run out; returns the offset
   * after what it consumed. Call `clear()` after using a ready line before feeding again.
   */
  feed(src: Uint8Array, off: number, end: number): number {
    const buf = this.buf;
    const cap = buf.length;
    let i = off;
    while (i < end) {
      const c = src[i++];
      if (c === 0x0a) {
        this.ready = true;
        if (this.discarding) {
          this.discarding = false;
          this.truncated = true;
        }
        // a CR right before the LF is not part of the line
        if (this.len > 0 && buf[this.len - 1] === 0x0d) this.len--;
        return i;
      }
      if (this.discarding) continue;
      if (this.len < cap) {
        buf[this.len++] = c;
        continue;
      }
      // the buffer is full and this byte is not the LF
      if (this.split) {
        this.ready = true;
        this.partial = true;
        return i - 1;
      }
      this.discarding = true;
    }
    return i;
  }
}
