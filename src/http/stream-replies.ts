/**
 * Locally generated answers of an `HttpStream`: rule replies (`return`,
 * `deny`, `redirect`), haproxy's error pages (400/408/413/501 raw, 502/503/504
 * rendered), and whether the client connection stays open after them
 * (http_ana.c http_reply_and_close(), mux_h1.c h1_update_res_conn_value()).
 */
import { rawErrorMessage, renderedErrorMessage, type DefaultErrorStatus } from './default-errors.js';
import { BODY_NONE } from './h1-head.js';
import type { RuleOutcome } from './rules.js';
import { afterGeneratedResponse } from './after-response.js';
import type { HttpStream } from './stream.js';
import { errorPageBytes, frontendPageIsEmpty } from './error-pages.js';
import { finishReply } from './error-pages-render.js';
import { METHOD_HEAD } from './h1-head.js';
import { closeSrv, detachSrv, releaseServer } from './stream-server.js';
import { CONNECT, connMode, FORWARD, MODE_CLO, WAIT_REQ } from './stream-state.js';

/** Applies a rule outcome; true when the transaction ended there. */
export function answer(s: HttpStream, out: RuleOutcome): boolean {
  if (out.kind !== 'reply') return false;
  s.txlog?.ruleReply(out);
  if (out.reset === true) silentDrop(s);
  else if (out.tarpit === true) tarpit(s, out.bytes);
  else sendReply(s, out.bytes, out.close);
  return true;
}

/** `silent-drop`: the client connection is reset, the server one dropped (termination flags PR/PD as haproxy). */
export function silentDrop(s: HttpStream): void {
  s.setTerm('P', s.phase === CONNECT || s.phase === WAIT_REQ ? 'R' : 'D');
  s.srv?.destroy();
  s.cli.resetAndDestroy();
}

/**
 * `http-request tarpit` (http_ana.c http_process_tarpit()): the request is
 * held for `timeout tarpit` of the proxy whose rule matched (the frontend
 * before switching, the backend after), `timeout connect` when unset (a
 * frontend has none: no wait), then answered like a deny; the connection
 * may stay open (checked with haproxy 2.6). A client that half-closed
 * meanwhile still waits, then gets the answer without a `connection`
 * header and the connection closes. Termination flags `PT`.
 */
function tarpit(s: HttpStream, bytes: Buffer): void {
  const t = (s.be ?? s.fe).timeouts;
  const ms = t.tarpit ?? t.connect ?? 0;
  s.setTerm('P', 'T');
  const fire = (): void => {
    if (!s.finished && s.phase === CONNECT) sendReply(s, bytes, s.cliEnded, !s.cliEnded);
  };
  // Error path only: one timer per tarpitted request, a no-op if the stream ended first.
  if (ms <= 0) fire();
  else setTimeout(fire, ms);
}

/**
 * Sends a locally generated response (a rule's reply or an error page),
 * then ends the transaction. The client connection stays open when the
 * request is complete (or has no body) and may be kept alive, as haproxy
 * 2.6 does after a deny, a return, a redirect, a 502 or a 503; when it
 * closes, the H1 mux writes `connection: close` into the reply
 * (h1_update_res_conn_value), for a reply with `withConnClose`.
 */
export function sendReply(s: HttpStream, bytes: Buffer, close: boolean, withConnClose = true): void {
  if (bytes.length === 0) {
    // An empty error page (`errorfile <code> /dev/null`): close without answering.
    s.resStarted = true;
    detachSrv(s)?.destroy();
    releaseServer(s);
    s.closeCli();
    return;
  }
  // withConnClose: false for replies whose head already says how the connection ends.
  // http-after-response rules apply to generated responses too (src/http/after-response.ts),
  // with the backend still known.
  bytes = afterGeneratedResponse(s, bytes);
  s.txlog?.reply(bytes);
  s.resStarted = true;
  // The server connection, if any, is aborted as haproxy does (stream-server.ts closeSrv()).
  closeSrv(detachSrv(s));
  releaseServer(s);
  const h = s.reqHead;
  const keep =
    !close && h !== undefined && h.keepAlive && !s.cliEnded && connMode(s.fe, undefined) !== MODE_CLO &&
    (s.reqDone || h.bodyKind === BODY_NONE);
  // The connection header and HEAD's missing body, as the H1 mux writes them (error-pages-render.ts).
  const out = finishReply(bytes, !keep, h !== undefined && h.method === METHOD_HEAD, withConnClose);
  if (out.close) {
    s.writeCli(out.bytes);
    s.closeCli();
    return;
  }
  s.writeCli(out.bytes);
  s.resDone = true;
  s.cliKeep = true;
  s.srvKeep = false;
  if (s.reqDone) {
    s.endTransaction();
    return;
  }
  // The request has no body: the parser's onEnd comes on the next feed.
  s.phase = FORWARD;
}

/**
 * A generated 502/503 (http_ana.c http_reply_and_close() through the H1
 * mux): the client connection is kept alive when it may be, like a rule's
 * reply (haproxy 2.6 answers the next request on it).
 */
export function errorReply(s: HttpStream, status: DefaultErrorStatus): void {
  if (s.resStarted) {
    s.cli.destroy();
    return;
  }
  // The proxy's custom page when one applies (error-pages.ts), else the built-in one.
  sendReply(s, errorPageBytes(s, status), false);
}

/**
 * A 504 (`timeout server` before the response): the page, then the client
 * connection stays open when it may, like a 502/503 (haproxy 2.6 answers a
 * pipelined request after its 504; checked with the built-in page and an
 * `errorfile 504`).
 */
export function timeoutReply(s: HttpStream): void {
  errorReply(s, 504);
}

/**
 * One of the raw messages the H1 multiplexer answers itself (a request it
 * cannot parse, `timeout http-request`): haproxy's built-in text, or
 * nothing when the frontend maps the status to an empty page (mux_h1.c
 * h1_send_error(): `errorfile 408 /dev/null`, the pre-connect work-around of
 * configuration.txt §4.2 "errorfile").
 */
export function rawErrorReply(s: HttpStream, status: DefaultErrorStatus): void {
  if (!frontendPageIsEmpty(s, status)) s.cli.write(rawErrorMessage(status));
  // haproxy logs the mux's own error with its status and 0 bytes.
  s.txlog?.reply(rawErrorMessage(status), false);
}

/** The server's response failed (bad bytes, early close): a 502, termination `SH`. */
export function responseError(s: HttpStream, status: DefaultErrorStatus): void {
  s.setTerm('S', 'H');
  closeSrv(detachSrv(s));
  errorReply(s, status);
}

/** A request the parser refused: haproxy's raw message, then close (mux_h1.c h1_handle_bad_req). */
export function requestError(s: HttpStream, status: number): void {
  s.setTerm('P', 'R');
  const st = (status === 413 || status === 422 || status === 501 ? status : 400) as DefaultErrorStatus;
  if (s.phase === WAIT_REQ || s.phase === CONNECT) rawErrorReply(s, st);
  else if (!frontendPageIsEmpty(s, st)) s.cli.write(renderedErrorMessage(st, { close: true }));
  detachSrv(s)?.destroy();
  releaseServer(s);
  s.closeCli();
}

