/**
 * One clock for every health-check timer of the process: the next run of
 * each check and the timeout of each running check sit in a single binary
 * heap ordered by due time, behind one Node timer armed for the earliest.
 *
 * Why (issue 5: 1,000 servers checked every 2 s under 5 % of one core):
 * with a Node timer per check, 500 checks a second are 500 separate wakeups
 * of the event loop (an epoll_wait, the timer list walk and a callback scope
 * each), plus a Timeout object created and cleared per run for the check's
 * timeout. Here the timers that start checks of slow intervals are "coarse":
 * their due times are rounded up to a {@link CHECK_TICK_MS} grid, so checks
 * falling in the same tick start together in one wakeup and their
 * connections complete in the same epoll round (bench/check-cost.ts: about
 * 5 checks per wakeup instead of 1). Such a check starts at most one tick
 * late: 1 % of a 2 s interval, less than `spread-checks` moves it. Timeouts
 * are exact to the millisecond, as they set the reported check durations.
 * The timer objects are allocated once and reused.
 *
 * The Node timer is unref'd: checks never keep the process alive (as the
 * per-check timers were before).
 */

/** Grid of the coarse timers, ms: their due times are rounded up to a multiple of it. */
export const CHECK_TICK_MS = 20;

let nextSeq = 1;

/** A reusable timer of the check clock. */
export class CheckTimer {
  /** When it fires, in performance.now() milliseconds. */
  due = 0;
  /** Order among equal due times: first scheduled, first fired. */
  seq = 0;
  /** Position in the clock's heap, -1 when not scheduled. */
  idx = -1;

  constructor(readonly fire: () => void) {}

  get pending(): boolean {
    return this.idx >= 0;
  }
}

function before(a: CheckTimer, b: CheckTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/** The clock; see the file comment. One instance, {@link checkClock}, serves the process. */
export class CheckClock {
  private readonly heap: CheckTimer[] = [];
  private node: NodeJS.Timeout | undefined;
  /** The tick the Node timer is armed for (Infinity when not armed). */
  private armedAt = Infinity;
  private ticking = false;

  constructor(private readonly tick = CHECK_TICK_MS, private readonly now: () => number = () => performance.now()) {}

  /** Number of timers scheduled (tests). */
  get size(): number {
    return this.heap.length;
  }

  /**
   * (Re)schedules `t` to fire in `delay` ms; `coarse`: at the first
   * {@link CHECK_TICK_MS} boundary at or after that, with the others due then.
   */
  schedule(t: CheckTimer, delay: number, coarse = false): void {
    if (t.idx >= 0) this.remove(t);
    const due = this.now() + Math.max(0, delay);
    t.due = coarse ? Math.ceil(due / this.tick) * this.tick : due;
    t.seq = nextSeq++;
    const h = this.heap;
    t.idx = h.length;
    h.push(t);
    this.up(t.idx);
    this.arm();
  }

  /** Unschedules `t` if it is pending. */
  cancel(t: CheckTimer): void {
    if (t.idx < 0) return;
    this.remove(t);
    if (this.heap.length === 0 && this.node !== undefined && !this.ticking) {
      clearTimeout(this.node);
      this.node = undefined;
      this.armedAt = Infinity;
    }
  }

  private arm(): void {
    if (this.ticking) return;
    const first = this.heap[0];
    if (first === undefined) return;
    const at = Math.ceil(first.due);
    if (this.node !== undefined && this.armedAt <= at) return;
    if (this.node !== undefined) clearTimeout(this.node);
    this.armedAt = at;
    this.node = setTimeout(this.onTick, Math.max(0, Math.ceil(at - this.now())));
    this.node.unref();
  }

  private readonly onTick = (): void => {
    this.node = undefined;
    // Everything due by the time the timer was armed for fires, even when Node's
    // loop clock let the timer run a little before performance.now() got there.
    const bound = Math.max(this.now(), this.armedAt);
    this.armedAt = Infinity;
    this.ticking = true;
    try {
      const h = this.heap;
      for (let t = h[0]; t !== undefined && t.due <= bound; t = h[0]) {
        this.remove(t);
        t.fire();
      }
    } finally {
      this.ticking = false;
      this.arm();
    }
  };

  private remove(t: CheckTimer): void {
    const h = this.heap;
    const i = t.idx;
    t.idx = -1;
    const last = h.pop()!;
    if (i < h.length) {
      h[i] = last;
      last.idx = i;
      if (i > 0 && before(last, h[(i - 1) >> 1]!)) this.up(i);
      else this.down(i);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const t = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = h[p]!;
      if (!before(t, pt)) break;
      h[i] = pt;
      pt.idx = i;
      i = p;
    }
    h[i] = t;
    t.idx = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const t = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && before(h[l + 1]!, h[l]!) ? l + 1 : l;
      const ct = h[c]!;
      if (!before(ct, t)) break;
      h[i] = ct;
      ct.idx = i;
      i = c;
    }
    h[i] = t;
    t.idx = i;
  }
}

/** The process's check clock. */
export const checkClock = new CheckClock();
