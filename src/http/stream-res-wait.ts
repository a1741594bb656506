/**
 * `http-response wait-for-body time <t> [at-least <n>]` (configuration.txt
 * §4.2; http_act.c http_action_wait_for_body(), http_ana.c
 * http_wait_for_msg_body() on the response channel) and the `res.body`,
 * `res.body_len`, `res.body_size` fetches (§7.3.6).
 *
 * haproxy parses a whole read of the server into its buffer before the
 * response analysers run, so the http-response rules see the body bytes
 * that came with the head (checked with haproxy 2.6: `res.body_len` is 4 in
 * the first rule for a 4-byte body sent with its head, 0 when the body comes
 * later). When a proxy's response rules need the body (a wait-for-body rule
 * or a `res.body*` fetch), the stream therefore "holds" the response: the
 * head is kept, the body bytes of the read are buffered instead of being
 * forwarded, and the rules run at the end of the read ({@link resHoldRead}).
 * A wait-for-body rule then keeps holding until the body is complete, `n`
 * bytes are buffered, or a buffer's worth (`tune.bufsize` -
 * `tune.maxrewrite`) is there, and resumes the walk at the next rule. If
 * `t` expires first the client gets a 504 (haproxy 2.6 does so: the wait is
 * a server-side read timeout). Then the head leaves, followed by the held
 * body (one chunk when the response is chunked, as haproxy re-frames what
 * its buffer holds).
 *
 * The same rule outcome and limits serve `http-request wait-for-body`
 * (stream.ts waitForBody()): one `wait-body` outcome from the rule runner
 * (rules.ts), one buffer limit ({@link bodyWaitLimit}).
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import type { Backend, Frontend } from '../proxy/runtime.js';
import type { SampleContext } from '../sample/context.js';
import { registerFetchImpls, type FetchImpl } from '../sample/impl-registry.js';
import { smpBin, smpNum } from '../sample/sample.js';
import { BODY_CHUNKED, BODY_LENGTH, BODY_UNTIL_CLOSE, type H1Head } from './h1-head.js';
import type { HttpStream } from './stream.js';
import { clock } from './stream-state.js';
import { setDeadline } from './stream-timers.js';

/** A held response: its buffered body and where the rule walk stands. */
export interface ResHold {
  readonly head: H1Head;
  readonly parts: Buffer[];
  len: number;
  bytes: Buffer | undefined;
  /** The parser reported the end of the body. */
  ended: boolean;
  /** The rules have not run yet (they run at the end of the read that brought the head). */
  pending: boolean;
  /** A wait-for-body rule is waiting: the bytes that end it, its deadline, where to resume. */
  waiting: boolean;
  max: number;
  deadline: number;
  next: number;
  inFrontend: boolean;
}

const needs = new WeakMap<ProxyConfig, boolean>();

/** Whether `px`'s http-response rules need the response body (wait-for-body, res.body* fetches); decided once per proxy. */
function needsBody(px: Frontend | Backend): boolean {
  const p = px.config;
  let n = needs.get(p);
  if (n === undefined) {
    n = false;
    for (const r of p.rules.httpResponse) {
      if (r.action === 'wait-for-body' || mentionsResBody(r)) {
        n = true;
        break;
      }
    }
    needs.set(p, n);
  }
  return n;
}

function mentionsResBody(r: unknown): boolean {
  try {
    return JSON.stringify(r).includes('res.body');
  } catch {
    return true;
  }
}

/** The buffered body bytes that end a body wait: a buffer less the rewrite reserve (channel_htx_full()). */
export function bodyWaitLimit(tune: ReadonlyMap<string, number | string | boolean>): number {
  const b = tune.get('tune.bufsize');
  const r = tune.get('tune.maxrewrite');
  return (typeof b === 'number' ? b : 16384) - (typeof r === 'number' ? r : 1024);
}

/**
 * Called by the stream with a final response head before its http-response
 * rules: true when the response is held (the rules run at the end of this
 * read), false to run them now (nothing needs the body, or it has none).
 */
export function resHoldStart(s: HttpStream, head: H1Head): boolean {
  const k = head.bodyKind;
  if (k !== BODY_LENGTH && k !== BODY_CHUNKED && k !== BODY_UNTIL_CLOSE) return false;
  const be = s.be!;
  if (!needsBody(be) && (be.config === s.fe.config || !needsBody(s.fe))) return false;
  s.resHold = { head, parts: [], len: 0, bytes: undefined, ended: false, pending: true, waiting: false, max: 0, deadline: Infinity, next: 0, inFrontend: false };
  return true;
}

/** A body slice of a held response. */
export function resHoldData(h: ResHold, buf: Buffer, start: number, end: number): void {
  h.parts.push(buf.subarray(start, end));
  h.len += end - start;
  h.bytes = undefined;
}

/**
 * The end of a server read while a response is held: the rules run if they
 * have not, or a waiting wait-for-body rule checks whether it is satisfied.
 */
export function resHoldRead(s: HttpStream): void {
  const h = s.resHold!;
  if (h.pending) {
    h.pending = false;
    s.processResponse(h.head, 0, false);
    return;
  }
  if (h.waiting && satisfied(h)) {
    h.waiting = false;
    s.processResponse(h.head, h.next, h.inFrontend);
  }
}

function satisfied(h: ResHold): boolean {
  return h.ended || h.len >= h.max;
}

/**
 * A `wait-body` outcome of the response rules: true when the stream now
 * waits (the body is incomplete and below the limit), false to go on with
 * rule `next` at once. `time` is armed on the stream's timer.
 */
export function resWaitStart(s: HttpStream, time: number, atLeast: number, next: number, inFrontend: boolean, limit: number): boolean {
  const h = s.resHold;
  // A response without a body, or not held (nothing more can come before the head leaves): no wait.
  if (h === undefined) return false;
  const max = atLeast > 0 ? Math.min(atLeast, limit) : limit;
  h.max = max;
  if (satisfied(h)) return false;
  h.waiting = true;
  h.next = next;
  h.inFrontend = inFrontend;
  h.deadline = clock() + time;
  setDeadline(s, h.deadline);
  return true;
}

/**
 * The rules are done with a held response (its head just left): the
 * buffered body follows, then the end if the parser already reported it.
 * Returns whether the response had ended.
 */
export function resHoldRelease(s: HttpStream, chunked: boolean): boolean {
  const h = s.resHold;
  if (h === undefined) return false;
  if (h.len > 0) {
    if (chunked) s.writeCli(Buffer.from(`${h.len.toString(16)}\r\n`, 'latin1'));
    for (const b of h.parts) s.writeCli(b);
    if (chunked) s.writeCli(CRLF);
  }
  return h.ended;
}

const CRLF = Buffer.from('\r\n', 'latin1');

/** The held body as one Buffer (fetches). */
function heldBytes(h: ResHold): Buffer {
  if (h.bytes === undefined) h.bytes = h.parts.length === 1 ? h.parts[0]! : Buffer.concat(h.parts, h.len);
  return h.bytes;
}

const EMPTY = Buffer.alloc(0);

function holdOf(ctx: SampleContext): { hold: ResHold | undefined } | undefined {
  const h = ctx.http as { resHold?: ResHold | undefined; resHead?: unknown } | undefined;
  return h !== undefined && 'resHead' in h ? { hold: h.resHold } : undefined;
}

// http_fetch.c smp_fetch_body*() on the response: what the buffer holds; the
// size is the announced Content-Length, else the buffered length.
const TABLE: Record<string, FetchImpl> = {
  'res.body': {
    compile: () => (ctx) => {
      const o = holdOf(ctx);
      if (o === undefined) return undefined;
      return smpBin(o.hold === undefined ? EMPTY : heldBytes(o.hold));
    },
  },
  'res.body_len': {
    compile: () => (ctx) => {
      const o = holdOf(ctx);
      return o === undefined ? undefined : smpNum(o.hold?.len ?? 0);
    },
  },
  'res.body_size': {
    compile: () => (ctx) => {
      const o = holdOf(ctx);
      if (o === undefined) return undefined;
      const h = o.hold;
      if (h === undefined) return smpNum(0);
      return smpNum(h.head.bodyKind === BODY_LENGTH ? h.head.contentLength : h.len);
    },
  },
};

registerFetchImpls(TABLE);
