/**
 * Passive health monitoring: `observe layer4|layer7`, `error-limit`,
 * `on-error` (configuration.txt §5.2). Streams report what they saw to
 * their server (`Server.observe()`); `error-limit` consecutive errors
 * trigger the `on-error` action on the server's health check.
 *
 * haproxy 2.6 check.c __health_adjust() and analyze_statuses[]:
 *   - layer4 counts failed connects as errors and established ones as
 *     successes (which reset the count);
 *   - layer7 counts failed connects, then HTTP: 100-499, 501 and 505 are
 *     valid, other statuses, unparsable heads, read timeouts and servers
 *     closing before answering are errors (established connections are
 *     ignored);
 *   - at the limit: `fastinter` only brings the next check forward;
 *     `fail-check` is a failed check (status HANA, "Health analyze");
 *     `sudden-death` first lowers the health so that one more failure takes
 *     the server down; `mark-down` sets the health to `rise` so this failure
 *     takes it down; every mode then brings the next check forward to
 *     `fastinter` when set, and the count restarts.
 * The failed check's info is "Detected <n> consecutive errors, last one was:
 * <status>", without a check duration (haproxy sets it to -1 for HANA).
 */
import { Observed, type Server } from './server.js';
import type { ServerHealth } from './checks/server-health.js';

/** check.c analyze_statuses[]: the description and, per mode (layer4, layer7), 0 ignore, 1 error, 2 success. */
const ANALYZE: Readonly<Record<Observed, { readonly desc: string; readonly lr: readonly [number, number] }>> = {
  [Observed.L4_OK]: { desc: 'L4 successful connection', lr: [2, 0] },
  [Observed.L4_ERR]: { desc: 'L4 unsuccessful connection', lr: [1, 1] },
  [Observed.HTTP_OK]: { desc: 'Correct http response', lr: [0, 2] },
  [Observed.HTTP_STS]: { desc: 'Wrong http response', lr: [0, 1] },
  [Observed.HTTP_HDRRSP]: { desc: 'Invalid http response (headers)', lr: [0, 1] },
  [Observed.HTTP_RSP]: { desc: 'Invalid http response', lr: [0, 1] },
  [Observed.HTTP_READ_ERROR]: { desc: 'Read error (http)', lr: [0, 1] },
  [Observed.HTTP_READ_TIMEOUT]: { desc: 'Read timeout (http)', lr: [0, 1] },
  [Observed.HTTP_BROKEN_PIPE]: { desc: 'Close from server (http)', lr: [0, 1] },
};

/** http_ana.c http_wait_for_response(): which response statuses count as valid. */
export function observedStatus(code: number): Observed {
  return code >= 100 && (code < 500 || code === 501 || code === 505) ? Observed.HTTP_OK : Observed.HTTP_STS;
}

/** include/haproxy/check-t.h: DEF_HANA_ERRLIMIT. */
export const DEFAULT_ERROR_LIMIT = 10;

/** What the observer needs from the server's main check scheduler (HealthCheck). */
export interface CheckScheduler {
  /** Runs the next check within `ms` when it was planned later. */
  hurry(ms: number): void;
}

/** The passive monitor of one server. See the file comment. */
export class HealthObserver {
  /** s->consecutive_errors */
  consecutive = 0;
  /** s->counters.failed_hana: times the limit was reached. */
  failedHana = 0;
  private readonly column: 0 | 1;
  private readonly limit: number;
  private readonly onError: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';

  constructor(
    readonly server: Server,
    private readonly health: ServerHealth | undefined,
    private readonly scheduler: CheckScheduler | undefined,
    private readonly fastinter: number | undefined,
  ) {
    const c = server.config;
    this.column = c.observe === 'layer7' ? 1 : 0;
    this.limit = c.errorLimit ?? DEFAULT_ERROR_LIMIT;
    // include/haproxy/check-t.h: DEF_HANA_ONERR is HANA_ONERR_FAILCHK.
    this.onError = c.onError ?? 'fail-check';
  }

  /** check.c __health_adjust() */
  readonly observe = (status: Observed): void => {
    const verdict = ANALYZE[status].lr[this.column];
    if (verdict === 0) return;
    if (verdict === 2) {
      this.consecutive = 0;
      return;
    }
    this.consecutive++;
    if (this.consecutive < this.limit) return;
    const desc = `Detected ${this.consecutive} consecutive errors, last one was: ${ANALYZE[status].desc}`;
    const h = this.health;
    if (h !== undefined) {
      switch (this.onError) {
        case 'fastinter':
          break;
        case 'sudden-death':
          // simulate a pre-fatal failed health check
          if (h.check.health > h.check.rise) h.check.health = h.check.rise + 1;
          h.apply('check', { status: 'HANA', desc, code: 0 }, -1);
          break;
        case 'fail-check':
          h.apply('check', { status: 'HANA', desc, code: 0 }, -1);
          break;
        case 'mark-down':
          h.check.health = h.check.rise;
          h.apply('check', { status: 'HANA', desc, code: 0 }, -1);
          break;
      }
    }
    this.consecutive = 0;
    this.failedHana++;
    if (this.fastinter !== undefined) this.scheduler?.hurry(this.fastinter);
  };
}
