/**
 * What to do after a failed connect to a server (haproxy's backend.c
 * back_handle_st_cer()), shared by the TCP and HTTP streams.
 */
import type { Server } from '../server/server.js';
import type { Backend } from './runtime.js';

export interface RetryDecision {
  /** Give the server slot back and pick another server (`option redispatch`). */
  readonly redispatch: boolean;
  /**
   * Wait the turn-around time of min(`timeout connect`, 1s) before the next
   * attempt (configuration.txt §4.2 "retries"); skipped when a round-robin-like
   * algorithm picks another server right away.
   */
  readonly delayed: boolean;
  readonly delayMs: number;
}

/**
 * Decides retry `attempt` (1 for the first retry) after `server` refused or
 * timed out. `option redispatch <interval>`: a positive interval redispatches
 * every Nth retry, a negative one on the Nth before last (`redispatchEvery`).
 * `sticky`: the server came from persistence (SF_DIRECT: no early redispatch
 * just because other servers exist) or a matching `force-persist`
 * (SF_FORCE_PRST: never redispatched).
 */
export function retryDecision(be: Backend, server: Server, attempt: number, sticky?: { readonly direct: boolean; readonly force: boolean }): RetryDecision {
  const every = be.redispatchEvery;
  const redispatch = be.redispatch && sticky?.force !== true && (
    !server.usable ||
    (every > 0 && attempt % every === 0) ||
    (every < 0 && be.retries + 1 + every > 0 && attempt % (be.retries + 1 + every) === 0) ||
    (sticky?.direct !== true && be.activeCount > 1 && be.algorithm.kind !== 'hi')
  );
  const delayed = !redispatch || be.algorithm.kind !== 'rr' || be.activeCount <= 1;
  return { redispatch, delayed, delayMs: Math.min(be.timeouts.connect ?? 1000, 1000) };
}
