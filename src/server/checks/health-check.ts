/**
 * The scheduler of one check of one server (the main check or the agent):
 * runs a probe every interval and hands each outcome to the server's
 * {@link ServerHealth}. The interval follows haproxy's srv_getinter()
 * (src/check.c): `inter` while fully up, `downinter` while down with no
 * success yet, `fastinter` in between (each defaulting to `inter`). The next
 * check is scheduled when the previous one ends, so checks never overlap and
 * never run on the data path.
 */
import type { CheckOutcome } from './status.js';
import type { CheckRole, ServerHealth } from './server-health.js';
import { CheckTimer, checkClock } from './check-timers.js';

/** What the lifecycle starts and stops (src/proxy/lifecycle.ts, through check-start.ts). */
export interface Check {
  /** The interval, for spreading the first checks (checks.c start_checks()). */
  readonly inter: number;
  /** check.c srv_getinter(): the interval that applies now. */
  nextInterval(): number;
  /**
   * Starts checking after `delay` ms. `spreadPct` is `global spread-checks`:
   * each following interval moves by a random amount within ±that percentage.
   */
  start(delay: number, spreadPct?: number): void;
  stop(): void;
}

/** One kind of check: something that runs once and reports an outcome. */
export interface Probe {
  run(done: (o: CheckOutcome) => void): { abort(): void };
}

export interface Intervals {
  readonly inter: number;
  readonly fastinter?: number | undefined;
  readonly downinter?: number | undefined;
}

/** A periodic check. See the file comment. */
export class HealthCheck implements Check {
  readonly inter: number;
  readonly fastinter: number;
  readonly downinter: number;
  /** The next run, on the process's check clock (check-timers.ts). */
  private readonly timer = new CheckTimer(() => this.run());
  private running: { abort(): void } | undefined;
  private stopped = true;
  private spreadPct = 0;
  /**
   * Every interval is at least a second: the runs go on the coarse grid of
   * the check clock, batched with the other checks due in the same tick.
   */
  private readonly coarse: boolean;
  /** performance.now() when the running probe started, for the check duration. */
  private started = 0;
  /** Random source of `spread-checks`, [0, 1); tests replace it. */
  random: () => number = Math.random;

  constructor(
    readonly health: ServerHealth,
    readonly role: CheckRole,
    private readonly probe: Probe,
    intervals: Intervals,
  ) {
    this.inter = intervals.inter;
    this.fastinter = intervals.fastinter ?? this.inter;
    this.downinter = intervals.downinter ?? this.inter;
    this.coarse = Math.min(this.inter, this.fastinter, this.downinter) >= 1000;
  }

  /** Starts checking after `delay` ms (the lifecycle spreads the first checks). */
  start(delay: number, spreadPct = 0): void {
    this.stopped = false;
    this.spreadPct = spreadPct;
    this.schedule(delay);
  }

  stop(): void {
    this.stopped = true;
    checkClock.cancel(this.timer);
    this.running?.abort();
    this.running = undefined;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    checkClock.schedule(this.timer, delay, this.coarse);
  }

  /**
   * check.c __health_adjust(): `observe` errors bring the next check forward
   * to `ms` from now when it was planned later (src/server/server-observe.ts).
   */
  hurry(ms: number): void {
    if (this.stopped || !this.timer.pending || this.timer.due <= performance.now() + ms) return;
    this.schedule(ms);
  }

  /**
   * The delay before the next check: check.c process_chk_conn() adds
   * `rv = inter * spread_checks / 100` minus a random part of `2 * rv`, in
   * C integer arithmetic, so the interval is uniformly within ±spread%.
   */
  spreadInterval(inter: number): number {
    if (this.spreadPct <= 0) return inter;
    let rv = Math.trunc((inter * this.spreadPct) / 100);
    rv -= Math.trunc(2 * rv * this.random());
    return inter + rv;
  }

  /** check.c srv_getinter() */
  nextInterval(): number {
    const c = this.role === 'agent' ? this.health.agent : this.health.check;
    if (c.health === c.max) return this.inter;
    if (this.health.server.operational === 'DOWN' && c.health === 0) return this.downinter;
    return this.fastinter;
  }

  private run(): void {
    if (this.stopped) return;
    // Maintenance pauses the main check (srv_update_status()); the agent goes on.
    if (this.role === 'check' && this.health.server.maint) {
      this.schedule(this.spreadInterval(this.nextInterval()));
      return;
    }
    this.started = performance.now();
    this.running = this.probe.run(this.onDone);
  }

  private readonly onDone = (o: CheckOutcome): void => {
    this.running = undefined;
    if (this.stopped) return;
    this.health.apply(this.role, o, Math.round(performance.now() - this.started));
    this.schedule(this.spreadInterval(this.nextInterval()));
  };
}
