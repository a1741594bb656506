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

/** What the lifecycle starts and stops (src/proxy/lifecycle.ts). */
export interface Check {
  /** The interval, for spreading the first checks (checks.c start_checks()). */
  readonly inter: number;
  start(delay: number): void;
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
  private timer: NodeJS.Timeout | undefined;
  private running: { abort(): void } | undefined;
  private stopped = true;

  constructor(
    readonly health: ServerHealth,
    readonly role: CheckRole,
    private readonly probe: Probe,
    intervals: Intervals,
  ) {
    this.inter = intervals.inter;
    this.fastinter = intervals.fastinter ?? this.inter;
    this.downinter = intervals.downinter ?? this.inter;
  }

  /** Starts checking after `delay` ms (the lifecycle spreads the first checks). */
  start(delay: number): void {
    this.stopped = false;
    this.schedule(delay);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.running?.abort();
    this.running = undefined;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(this.run, Math.max(0, delay));
    this.timer.unref();
  }

  /** check.c srv_getinter() */
  nextInterval(): number {
    const c = this.role === 'agent' ? this.health.agent : this.health.check;
    if (c.health === c.max) return this.inter;
    if (this.health.server.operational === 'DOWN' && c.health === 0) return this.downinter;
    return this.fastinter;
  }

  private readonly run = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    // Maintenance pauses the main check (srv_update_status()); the agent goes on.
    if (this.role === 'check' && this.health.server.maint) {
      this.schedule(this.nextInterval());
      return;
    }
    const started = performance.now();
    this.running = this.probe.run((o) => {
      this.running = undefined;
      if (this.stopped) return;
      this.health.apply(this.role, o, Math.round(performance.now() - started));
      this.schedule(this.nextInterval());
    });
  };
}
