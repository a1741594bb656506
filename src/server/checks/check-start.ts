/**
 * When the first check of each server runs: haproxy 2.6's start_checks()
 * and start_check_task() (src/check.c), so that 1,000 servers do not all
 * get checked in the same millisecond at start-up.
 *
 * - The checks are numbered in configuration order (`srvpos`: each
 *   server's main check, then its agent), over all backends.
 * - `mininter` is the smallest interval that applies at start
 *   (srv_getinter()) among the checks whose interval is at least
 *   SRV_CHK_INTER_THRES (1 s): checks run faster than that do not dictate
 *   the spreading of the others.
 * - Check number `srvpos` of `nbcheck` first runs after
 *   `max(mininter, its own interval) * srvpos / nbcheck` ms (C integers),
 *   the spreading window bounded by `global max-spread-checks` when set.
 *
 * After that, each check runs every interval, moved at random within
 * ±`spread-checks`% when that is set (health-check.ts spreadInterval()).
 */
import type { Check } from './health-check.js';

/** include/haproxy/check-t.h SRV_CHK_INTER_THRES: 1 s. */
export const SRV_CHK_INTER_THRES = 1000;

/** What start_checks() reads from the `global` section. */
export interface CheckStartOptions {
  /** `spread-checks` (0..50, percent). */
  readonly spreadChecks?: number | undefined;
  /** `max-spread-checks` (ms). */
  readonly maxSpreadChecks?: number | undefined;
}

/** The delay before the first run of each check, in order (exported for tests). */
export function initialDelays(checks: readonly Pick<Check, 'nextInterval'>[], opts: CheckStartOptions = {}): number[] {
  const nbcheck = checks.length;
  let mininter = 0;
  for (const c of checks) {
    const inter = c.nextInterval();
    if (inter >= SRV_CHK_INTER_THRES && (mininter === 0 || mininter > inter)) mininter = inter;
  }
  const maxSpread = opts.maxSpreadChecks ?? 0;
  return checks.map((c, srvpos) => {
    let m = Math.max(mininter, c.nextInterval());
    if (maxSpread > 0 && m > maxSpread) m = maxSpread;
    return Math.trunc((m * srvpos) / nbcheck);
  });
}

/** Starts every check with haproxy's initial spreading and `spread-checks`. */
export function startChecks(checks: readonly Check[], opts: CheckStartOptions = {}): void {
  if (checks.length === 0) return;
  const delays = initialDelays(checks, opts);
  const spread = opts.spreadChecks ?? 0;
  checks.forEach((c, i) => c.start(delays[i] ?? 0, spread));
}
