/**
 * The request body the rules wait for (http_ana.c http_wait_for_msg_body()):
 * `option http-buffer-request` before the frontend's rules, or after
 * switching to a backend that sets it, and `http-request wait-for-body
 * time <t> [at-least <n>]` before the rule after it. The body read meanwhile
 * is kept here: the `req.body*` fetches read it (stream-body.ts) and it
 * leaves with the head (HttpStream.startForward). The wait ends once the
 * body is complete, `n` bytes are here, or a buffer's worth is (less the
 * rewrite reserve); its deadline (`timeout http-request`, or the rule's
 * time) expiring first is a 408 (stream-timers.ts). The response side is
 * stream-res-wait.ts.
 */
import { BODY_CHUNKED, BODY_LENGTH, type H1Head } from './h1-head.js';
import type { HttpStream } from './stream.js';
import { bodyWaitLimit } from './stream-res-wait.js';
import { CONNECT } from './stream-state.js';
import { armIn, resetTimer } from './stream-timers.js';

/** Where the wait of the current request happens. */
export const WAIT_NONE = 0;
/** http-buffer-request set on the backend only: after switching. */
export const WAIT_BACKEND = 1;
/** http-buffer-request on the frontend: before its rules. */
export const WAIT_FRONTEND = 2;
/** A wait-for-body rule: before the next rule. */
export const WAIT_RULE = 3;

/** The current request's waiting state and the body bytes read before forwarding. */
export class ReqBodyWait {
  /** Waiting: the client bytes are parsed although the stream is not forwarding yet (stream.ts pumpClientLoop). */
  waiting = false;
  stage = WAIT_NONE;
  /** Buffered body bytes that end the wait. */
  max = 0;
  /** wait-for-body: the rule to resume at, and whether in the backend's rules. */
  next = 0;
  inBackend = false;
  readonly parts: Buffer[] = [];
  len = 0;
  private joined: Buffer | undefined = undefined;

  /** A new request: nothing buffered, no wait. */
  reset(): void {
    this.parts.length = 0;
    this.len = 0;
    this.joined = undefined;
    this.stage = WAIT_NONE;
    this.waiting = false;
  }

  /** Body bytes read before forwarding; true when they end the wait. */
  add(b: Buffer): boolean {
    this.parts.push(b);
    this.len += b.length;
    return this.waiting && this.len >= this.max;
  }

  /** The de-chunked body buffered so far, or undefined when none. */
  get bytes(): Buffer | undefined {
    if (this.len === 0) return undefined;
    return (this.joined ??= Buffer.concat(this.parts, this.len));
  }
}

/** Whether `head` announces a body (Content-Length or chunked) to wait for. */
export function announcesBody(head: H1Head): boolean {
  return head.bodyKind === BODY_LENGTH || head.bodyKind === BODY_CHUNKED;
}

/** Buffered body bytes that end a wait: a buffer less the rewrite reserve (channel_htx_full()). */
function bodyLimit(s: HttpStream): number {
  return bodyWaitLimit(s.runtime.model.global.tune);
}

/** `option http-buffer-request` at `stage` (WAIT_FRONTEND or WAIT_BACKEND): waits, bounded by `timeout http-request`. */
export function bufferRequestBody(s: HttpStream, stage: number): void {
  const w = s.reqWait;
  w.stage = stage;
  w.waiting = true;
  w.max = bodyLimit(s);
  armIn(s, s.fe.timeouts.httpRequest ?? s.fe.timeouts.client);
}

/**
 * `http-request wait-for-body time <t> [at-least <n>]` (http_act.c
 * http_action_wait_for_body()): starts waiting unless the request has no
 * body, is complete, or already has `n` bytes (or a buffer's worth)
 * buffered; returns whether it waits. The rule walk then resumes at rule
 * `next` (checked with haproxy 2.6).
 */
export function waitForBody(s: HttpStream, time: number, atLeast: number, next: number, inBackend: boolean): boolean {
  const h = s.reqHead!;
  if (s.reqDone || !announcesBody(h)) return false;
  const w = s.reqWait;
  const limit = bodyLimit(s);
  const max = atLeast > 0 ? Math.min(atLeast, limit) : limit;
  if (w.len >= max) return false;
  w.stage = WAIT_RULE;
  w.next = next;
  w.inBackend = inBackend;
  w.max = max;
  w.waiting = true;
  armIn(s, time);
  // Body bytes already read wait in the client buffer: the pump feeds them now that the wait is set.
  if (!s.pumping) {
    queueMicrotask(() => {
      if (w.waiting && s.phase === CONNECT) s.pumpClient();
    });
  }
  return true;
}

/** The wait is over (complete, enough bytes, buffer full): the request goes on where it stopped. */
export function endBodyWait(s: HttpStream): void {
  const w = s.reqWait;
  w.waiting = false;
  resetTimer(s);
  if (w.stage === WAIT_BACKEND) s.processBackend(s.reqHead!, s.be!);
  else if (w.stage === WAIT_RULE) {
    if (w.inBackend) s.processBackend(s.reqHead!, s.be!, w.next);
    else s.processRequest(s.reqHead!, w.next);
  } else s.processRequest(s.reqHead!);
}
