/**
 * Locally generated answers of an `HttpStream`: rule replies (`return`,
 * `deny`, `redirect`), haproxy's error pages (400/408/413/501 raw, 502/503/504
 * rendered), and whether the client connection stays open after them
 * (http_ana.c http_reply_and_close(), mux_h1.c h1_update_res_conn_value()).
 */
import { rawErrorMessage, renderedErrorMessage, type DefaultErrorStatus } from './default-errors.js';
import { BODY_NONE } from './h1-head.js';
import type { RuleOutcome } from './rules.js';
import type { HttpStream } from './stream.js';
import { detachSrv, releaseServer } from './stream-server.js';
import { CONNECT, connMode, FORWARD, MODE_CLO, WAIT_REQ } from './stream-state.js';

/** Applies a rule outcome; true when the transaction ended there. */
export function answer(s: HttpStream, out: RuleOutcome): boolean {
  if (out.kind !== 'reply') return false;
  sendReply(s, out.bytes, out.close);
  return true;
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
  // withConnClose: false for replies whose head already says how the connection ends.
  s.resStarted = true;
  detachSrv(s)?.destroy();
  releaseServer(s);
  const h = s.reqHead;
  const keep =
    !close && h !== undefined && h.keepAlive && !s.cliEnded && connMode(s.fe, undefined) !== MODE_CLO &&
    (s.reqDone || h.bodyKind === BODY_NONE);
  if (!keep) {
    s.writeCli(withConnClose ? addConnClose(bytes) : bytes);
    s.closeCli();
    return;
  }
  s.writeCli(bytes);
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
  sendReply(s, renderedErrorMessage(status, { close: false }), false);
}

/** A 504: haproxy 2.6 aborts the stream after the page, closing without a `connection` header. */
export function timeoutReply(s: HttpStream): void {
  s.resStarted = true;
  s.writeCli(renderedErrorMessage(504, { close: false }));
  detachSrv(s)?.destroy();
  releaseServer(s);
  s.closeCli();
}

/** The server's response failed (bad bytes, early close): a 502, termination `SH`. */
export function responseError(s: HttpStream, status: DefaultErrorStatus): void {
  s.setTerm('S', 'H');
  detachSrv(s)?.destroy();
  errorReply(s, status);
}

/** A request the parser refused: haproxy's raw message, then close (mux_h1.c h1_handle_bad_req). */
export function requestError(s: HttpStream, status: number): void {
  s.setTerm('P', 'R');
  const st = (status === 413 || status === 422 || status === 501 ? status : 400) as DefaultErrorStatus;
  s.cli.write(s.phase === WAIT_REQ || s.phase === CONNECT ? rawErrorMessage(st) : renderedErrorMessage(st, { close: true }));
  detachSrv(s)?.destroy();
  releaseServer(s);
  s.closeCli();
}

/** The reply with `connection: close` added at the end of its head. */
function addConnClose(bytes: Buffer): Buffer {
  const end = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return bytes;
  return Buffer.concat([bytes.subarray(0, end + 2), CONN_CLOSE, bytes.subarray(end + 2)]);
}
const CONN_CLOSE = Buffer.from('connection: close\r\n', 'latin1');
