/**
 * Phases and connection modes of an `HttpStream` (shared by stream.ts and
 * its helpers stream-server/-replies/-heads/-timers.ts).
 */
import type { Backend, Frontend } from '../proxy/runtime.js';

/** Phases of the transaction state machine (see stream.ts). */
export const WAIT_REQ = 0;
export const CONNECT = 1;
export const FORWARD = 2;
export const TUNNEL = 3;
export const CLOSING = 4;
export const DONE = 5;

/** Connection modes (configuration.txt §4 "option http-keep-alive" and friends). */
export const MODE_KAL = 0;
export const MODE_SCL = 1;
export const MODE_CLO = 2;

/** The monotonic clock used for deadlines and activity marks. */
export const clock = (): number => performance.now();

/** The connection mode for a transaction on `fe` switched to `be` (undefined: the frontend alone). */
export function connMode(fe: Frontend, be: Backend | undefined): number {
  // configuration.txt §4 "option httpclose": the frontend or the backend may set it;
  // the most restrictive of both wins (http_ana.c http_adjust_conn_mode).
  const f = fe.config.options;
  const b = be?.config.options;
  if (f.get('httpclose') === true || b?.get('httpclose') === true) return MODE_CLO;
  if (f.get('http-server-close') === true || b?.get('http-server-close') === true) return MODE_SCL;
  return MODE_KAL;
}
