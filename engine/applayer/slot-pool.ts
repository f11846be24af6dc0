/**
 * A fixed pool of per-flow parser slots: `take` hands out an index, `give` returns it. Sized once at
 * construction; parsers keep their per-slot state in arrays indexed by the slot, or in objects made at
 * construction (`SlotStates`, which also resets a slot's object on `open`). Never allocates after
 * construction; a double `give` or an out-of-range slot is ignored.
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

  /** Slots still free. */
  get available(): number {
    return this.top;
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

/**
 * A `SlotPool` whose slots each own a state object, all made at construction by `make` (cold path).
 * `open` takes a slot and resets its object; `states[slot]` is the object.
 *
 * @example
 * ```ts
 * import { SlotStates } from "./slot-pool.ts";
 * class Counter { n = 0; reset(): void { this.n = 0; } }
 * const pool = new SlotStates(16, () => new Counter());
 * const s = pool.open(); // -1 when exhausted
 * pool.states[s].n++;
 * pool.give(s);
 * ```
 */
export class SlotStates<T extends { reset(): void }> extends SlotPool {
  readonly states: T[];

  constructor(size: number, make: (slot: number) => T) {
    super(size);
    this.states = new Array<T>(size);
    for (let i = 0; i < size; i++) this.states[i] = make(i);
  }

  /** A free slot with its state reset, or -1 when none is left. */
  open(): number {
    const s = this.take();
    if (s >= 0) this.states[s].reset();
    return s;
  }
}
