/**
 * `retry-on` beyond `conn-failure` (configuration.txt §4.2 "retry-on") and
 * `http-request disable-l7-retry`: layer-7 retries of haproxy 2.6
 * (http_ana.c do_l7_retry(), stconn.c sc_conn_send()), plus
 * `http-send-name-header`, which is applied on every connection attempt.
 *
 * - The policy is decided once per backend: a bit mask of the failure kinds
 *   and the statuses to retry on. The default is `conn-failure` alone; a
 *   list without `conn-failure` turns the connect retries off too (stream.c
 *   back_handle_st_cer() tests PR_RE_CONN_FAILED).
 * - A request can be replayed only when it was complete when its first byte
 *   left for the server (sc_conn_send(): `req.msg_state != HTTP_MSG_DONE`
 *   clears TX_L7_RETRY) and fits in a buffer (`tune.bufsize`): the stream
 *   keeps a copy of what it sent after the head (the head is kept apart, so
 *   that `http-send-name-header` names the new server on a retry).
 * - Before anything of the response reached the client: a close with
 *   nothing received (`empty-response`), bytes that are not a valid response
 *   (`junk-response`), `timeout server` (`response-timeout`), or a final
 *   status of the list (`401`...`504`) starts another attempt, counted with
 *   the connect retries against `retries`, on the same server or, as
 *   `option redispatch` allows, another one (stream_choose_redispatch(): no
 *   turn-around delay). When the retries are spent, the failure is answered
 *   as without retry-on (502, 504, or the server's response as it is).
 * - `0rtt-rejected` needs TLS early data on server connections, which
 *   Switchyard does not send: it never applies.
 */
import type { Backend } from '../proxy/runtime.js';
import { retryDecision } from '../proxy/retry-policy.js';
import { persistRetry } from './cookie-persistence.js';
import { proxyMisc, withServerName } from './http-misc.js';
import type { HttpStream } from './stream.js';
import { assignServer, detachSrv, grantServer } from './stream-server.js';
import { CONNECT } from './stream-state.js';
import { resetTimer } from './stream-timers.js';

/** PR_RE_CONN_FAILED */
export const RE_CONN = 1;
/** PR_RE_DISCONNECTED: `empty-response`. */
export const RE_EMPTY = 2;
/** PR_RE_JUNK_REQUEST: `junk-response`. */
export const RE_JUNK = 4;
/** PR_RE_TIMEOUT: `response-timeout`. */
export const RE_TIMEOUT = 8;
/** PR_RE_EARLY_ERROR: `0rtt-rejected`. */
export const RE_0RTT = 16;

/** A backend's `retry-on`. */
export interface RetryPolicy {
  readonly mask: number;
  /** Final statuses that start a retry. */
  readonly statuses: ReadonlySet<number>;
  /** Anything beyond conn-failure: requests must be kept for a replay. */
  readonly l7: boolean;
}

const KINDS: Readonly<Record<string, number>> = {
  'conn-failure': RE_CONN,
  'empty-response': RE_EMPTY,
  'junk-response': RE_JUNK,
  'response-timeout': RE_TIMEOUT,
  '0rtt-rejected': RE_0RTT,
};

const policies = new WeakMap<Backend, RetryPolicy>();

/** proxy.c proxy_parse_retry_on(): the backend's policy (computed once). */
export function retryPolicy(be: Backend): RetryPolicy {
  let p = policies.get(be);
  if (p === undefined) {
    const words = be.config.retryOn ?? ['conn-failure'];
    let mask = 0;
    const statuses = new Set<number>();
    for (const w of words) {
      if (w === 'all-retryable-errors') {
        mask |= RE_CONN | RE_EMPTY | RE_JUNK | RE_TIMEOUT | RE_0RTT;
        for (const s of [500, 502, 503, 504]) statuses.add(s);
      } else if (KINDS[w] !== undefined) {
        mask |= KINDS[w];
      } else if (/^\d{3}$/.test(w)) {
        statuses.add(Number(w));
      }
    }
    p = { mask, statuses, l7: (mask & ~RE_CONN) !== 0 || statuses.size > 0 };
    policies.set(be, p);
  }
  return p;
}

/** Whether a failed connect may be retried (back_handle_st_cer(): PR_RE_CONN_FAILED). */
export function connRetryAllowed(be: Backend): boolean {
  return (retryPolicy(be).mask & RE_CONN) !== 0;
}

/** The replay copy of the current request (txn->l7_buffer). */
export interface L7Replay {
  /** The head as built before the server was known (without the server name header). */
  readonly head: Buffer;
  /** Bytes written after the head on the first attempt (body, chunk framing, trailers). */
  readonly parts: Buffer[];
  len: number;
  /** Still recording the first attempt. */
  capturing: boolean;
  /** The first attempt wrote its head. */
  started: boolean;
  /** The next write is the head itself (not recorded). */
  skipNext: boolean;
  /** The next attempt writes `parts` instead of reading the client. */
  replaying: boolean;
}

/** What the stream must do on each attempt for its backend: 1 server name header, 2 keep the request for L7 retries. */
export const PLAN_NAME = 1;
export const PLAN_L7 = 2;

const plans = new WeakMap<Backend, number>();

/** The per-backend plan, looked up once per request (0: nothing to do on each attempt). */
export function attemptPlan(be: Backend): number {
  let p = plans.get(be);
  if (p === undefined) {
    p = (proxyMisc(be).sendNameHeader !== undefined ? PLAN_NAME : 0) | (retryPolicy(be).l7 ? PLAN_L7 : 0);
    plans.set(be, p);
  }
  return p;
}

/** A new request was switched to its backend: a replay copy when L7 retries may apply. */
export function beginRequest(s: HttpStream, plan: number): void {
  s.l7 = undefined;
  if ((plan & PLAN_L7) === 0 || s.noL7Retry || s.be === undefined || s.be.retries <= 0) return;
  s.l7 = { head: Buffer.alloc(0), parts: [], len: 0, capturing: true, started: false, skipNext: false, replaying: false };
}

/**
 * The head to write on this connection attempt: the request's head with the
 * server's name (`http-send-name-header`); the head without it is kept for
 * a replay.
 */
export function attemptHead(s: HttpStream, head: Buffer, plan: number): Buffer {
  const l7 = s.l7;
  if (l7 !== undefined && l7.capturing) {
    (l7 as { head: Buffer }).head = head;
    l7.skipNext = true;
    l7.started = true;
  }
  const name = (plan & PLAN_NAME) !== 0 ? proxyMisc(s.be!).sendNameHeader : undefined;
  return name !== undefined && s.server !== undefined ? withServerName(head, name, s.server) : head;
}

/** Records a write of the first attempt (called by the stream's writeSrv while `l7` is set). */
export function capture(s: HttpStream, l7: L7Replay, b: Buffer): void {
  if (!l7.capturing) return;
  if (l7.skipNext) {
    l7.skipNext = false;
    return;
  }
  l7.len += b.length;
  // A request that does not fit in a buffer is never retried (configuration.txt "retry-on").
  if (l7.len + l7.head.length > bufsize(s)) {
    s.l7 = undefined;
    return;
  }
  // The slices may point into reused input buffers: copy.
  l7.parts.push(Buffer.from(b));
}

/**
 * The client bytes received so far are parsed (end of stream.ts
 * pumpClient()): once the first attempt started, the copy is kept only when
 * the whole request went with it (sc_conn_send(): HTTP_MSG_DONE at the
 * first send).
 */
export function firstSendDone(s: HttpStream): void {
  const l7 = s.l7;
  if (l7 === undefined || !l7.capturing || !l7.started) return;
  l7.capturing = false;
  if (!s.reqDone) s.l7 = undefined;
}

function bufsize(s: HttpStream): number {
  const v = s.runtime.model.global.tune.get('tune.bufsize');
  return typeof v === 'number' ? v : 16384;
}

/** The final status `status` is one to retry on: starts another attempt (true) or not. */
export function retryOnStatus(s: HttpStream, status: number): boolean {
  const be = s.be;
  if (be === undefined || !retryPolicy(be).statuses.has(status)) return false;
  return retry(s);
}

/** A response failure of kind `kind` (RE_EMPTY, RE_JUNK, RE_TIMEOUT): starts another attempt (true) or not. */
export function retryOnFailure(s: HttpStream, kind: number): boolean {
  const be = s.be;
  if (be === undefined || (retryPolicy(be).mask & kind) === 0) return false;
  return retry(s);
}

/**
 * http_ana.c do_l7_retry() + stream_choose_redispatch(): the server
 * connection is dropped with what it sent, and the kept request goes again
 * to the same server or, when `option redispatch` allows, another one.
 */
function retry(s: HttpStream): boolean {
  const l7 = s.l7;
  const be = s.be;
  const server = s.server;
  if (l7 === undefined || l7.capturing || be === undefined || server === undefined || s.resStarted) return false;
  if (s.retries >= be.retries) return false;
  s.retries++;
  be.counters.retries++;
  server.counters.retries++;
  detachSrv(s)?.destroy();
  s.srvBuf = undefined;
  s.resHead = undefined;
  s.resCanon = undefined;
  s.resTrailers = undefined;
  s.srvConnected = false;
  s.reused = false;
  s.phase = CONNECT;
  s.pendingHead = l7.head;
  l7.replaying = true;
  resetTimer(s);
  const { redispatch } = retryDecision(be, server, s.retries, persistRetry(s));
  // The next attempt starts outside the current socket or parser callback.
  queueMicrotask(() => {
    if (s.finished || s.phase !== CONNECT) return;
    if (redispatch) {
      s.avoid = server;
      s.server = undefined;
      server.drop(s);
      assignServer(s);
    } else {
      grantServer(s, server);
    }
  });
  return true;
}

/** The replayed bytes after the head (the attempt writes them instead of reading the client). */
export function replayParts(s: HttpStream): readonly Buffer[] | undefined {
  const l7 = s.l7;
  return l7 !== undefined && l7.replaying ? l7.parts : undefined;
}

/**
 * The server closed before the response head was complete: `empty-response`,
 * even after part of a head (haproxy's H1 mux holds an incomplete head back,
 * so the stream sees a close with no response: checked differentially);
 * `junk-response` is for bytes that cannot be a response.
 */
export function retryOnClose(s: HttpStream): boolean {
  if (s.l7 === undefined || s.resStarted) return false;
  return retryOnFailure(s, RE_EMPTY);
}
