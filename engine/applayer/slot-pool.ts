/**
 * A fixed pool of per-flow parser slots: `take` hands out an index, `give` returns it. Sized once at
 * construction; parsers keep their per-slot state in arrays (or objects made at construction) indexed
 * by the slot. Never allocates after construction; a double `give` or an out-of-range slot is ignored.
 *
 * @example
 * ```ts
 * import { SlotPool } from "./slot-pool.ts";
 * const pool = new SlotPool(2);
 * const a = pool.take(); // 0
 * const b = pool.take(); // 1
 * pool.take();           // -1: exhausted (pool.exhausted counts it)
 * pool.give(a);
 * ```
 */
export class SlotPool {
  private readonly free: Int32Array;
  private readonly used: Uint8Array;
  private top: number;
  /** Slots in use. */
  inUse = 0;
  /** `take` calls that found the pool empty. */
  exhausted = 0;

  constructor(readonly size: number) {
    this.free = new Int32Array(size);
    this.used = new Uint8Array(size);
    for (let i = 0; i < size; i++) this.free[i] = size - 1 - i;
    this.top = size;
  }

  /** A free slot, or -1 when none is left. */
  take(): number {
    if (this.top === 0) {
      this.exhausted++;
      return -1;
    }
    const s = this.free[--this.top];
    this.used[s] = 1;
    this.inUse++;
    return s;
  }

  /** Whether `slot` is currently handed out. */
  isUsed(slot: number): boolean {
    return slot >= 0 && slot < this.size && this.used[slot] === 1;
  }

  give(slot: number): void {
    if (!this.isUsed(slot)) return;
    this.used[slot] = 0;
    this.free[this.top++] = slot;
    this.inUse--;
  }
}
