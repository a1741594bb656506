/**
 * Phases and connection modes of an `HttpStream` (shared by stream.ts and
 * its helpers stream-server/-replies/-heads/-timers.ts).
 */
import type { Backend, Frontend } from '../proxy/runtime.js';
import { beConnConfig, feConnConfig } from './stream-config.js';

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
  // Each side's mode is decided once (stream-config.ts), not looked up per request.
  const f = feConnConfig(fe).mode;
  if (be === undefined) return f;
  const b = beConnConfig(be).mode;
  return f > b ? f : b;
}

/** One proxy's own connection mode from its options (MODE_CLO > MODE_SCL > MODE_KAL). */
export function optionsMode(options: ReadonlyMap<string, unknown>): number {
  if (options.get('httpclose') === true) return MODE_CLO;
  if (options.get('http-server-close') === true) return MODE_SCL;
  return MODE_KAL;
}
