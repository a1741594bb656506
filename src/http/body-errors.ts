/**
 * Parse errors once a message is being forwarded, and the termination
 * flags of parse errors, as haproxy 2.6 reports them (issue 6 audit gaps
 * 1-3; checked in test/compat/http/gaps-chunked.test.ts and
 * audit-protocol.test.ts).
 *
 * Request body, later read (http_ana.c http_request_forward_body(),
 * `return_bad_req` then `return_error`): with no response yet the stream
 * answers its 400 page (`http_error_message()`, an errorfile when one
 * applies), status 400, flags `PH`; once the response has started nothing
 * is sent ("we don't send any error if some data were already sent"), the
 * connection closes, the response's status stays and the flags are `PD`.
 *
 * Response (http_ana.c http_wait_for_response() / http_response_forward_body()):
 * an invalid head, or a framing error read with it, is `return_bad_res`
 * with SF_ERR_PRXCOND: `PH` and the 502; an error in a later read of the
 * body is SF_ERR_SRVCL with SF_FINST_D: `SD`, the client connection cut.
 * %B then counts the 502 page alone (src/log/htx-out.ts).
 */
import { sendReply } from './stream-replies.js';
import { errorPageBytes } from './error-pages.js';
import { closeSrv, detachSrv, releaseServer } from './stream-server.js';
import type { HttpStream } from './stream.js';

/**
 * The request parser failed in a later read while the request is
 * forwarded: answers as haproxy's stream does (see the module comment).
 * Always handles the error.
 */
export function forwardedRequestError(s: HttpStream): void {
  if (s.resStarted) {
    s.setTerm('P', 'D');
    closeSrv(detachSrv(s));
    releaseServer(s);
    s.closeCli();
    return;
  }
  s.setTerm('P', 'H');
  sendReply(s, errorPageBytes(s, 400), true);
}

/**
 * The termination flags of a response parse error, set before the stream's
 * 502 path (stream-replies.ts responseError(), which sets `SH` only when
 * nothing was set): `PH` before the response head went out, `SD` after.
 */
export function responseParseErrorFlags(s: HttpStream): void {
  if (s.resStarted) s.setTerm('S', 'D');
  else s.setTerm('P', 'H');
  // A 101 without an upgrade request parses in haproxy's mux and is refused by
  // http_wait_for_response(): its head is in the channel and counts in %B
  // (haproxy 2.6: 502 page 209 + 101 head 132 = 341). Other head errors never reach it.
  const p = s.resParser;
  if (p.error?.code === 'H1_UNEXPECTED_SWITCHING_PROTOCOLS') s.txlog?.out.head(p.head, s.bytesOut, false);
}
