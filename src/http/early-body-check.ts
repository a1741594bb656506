/**
 * Chunked framing read together with a head, checked before the stream
 * acts on the head (issue 6 audit gaps 1 and 2).
 *
 * haproxy's H1 mux parses everything its input buffer holds when it parses
 * a head: the head, then as much of the body as arrived with it
 * (mux_h1.c h1_process_demux() → h1_parse_msg_data()). A framing error
 * there (bad chunk size, chunk data not followed by CRLF, bad trailers)
 * sets HTX_FL_PARSING_ERROR before the stream looks at the message, so:
 *   - a request never reaches the stream: the mux answers its own raw 400
 *     (`Content-length`/`Cache-Control`/`Connection`/`Content-Type`), logs a
 *     `<BADREQ>` line, and nothing goes to a server;
 *   - a response fails in http_wait_for_response() (`return_bad_res`):
 *     502 page, termination `PH`, the server's bytes not counted in %B.
 * Errors in a later read happen while the message is forwarded and are
 * handled by {@link forwardedRequestError} and the stream's own paths.
 * Checked with haproxy 2.6 in test/compat/http/gaps-chunked.test.ts.
 *
 * The check runs a second H1Parser with the same settings over the bytes
 * after the head, so the verdict is the real parser's; it stops at the end
 * of the message (pipelined bytes after it are not looked at). Only
 * chunked messages are checked: a Content-Length body has no framing.
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import { BODY_CHUNKED, type H1Head } from './h1-head.js';
import { H1Parser, type H1Events } from './h1-parser.js';

/** The parts of a stream the check reads. */
export interface EarlyCheckSource {
  readonly runtime: { readonly model: { readonly global: { readonly tune: ReadonlyMap<string, number | string | boolean> } } };
}

/** Events of the checking parser: nothing is kept, the parse stops at the end of the message. */
class StopAtEnd implements H1Events {
  onHead(): boolean {
    return false;
  }
  onData(): void {
    /* framing only */
  }
  onTrailers(): void {
    /* framing only */
  }
  onEnd(): boolean {
    return false;
  }
}

const EVENTS = new StopAtEnd();
/** A synthetic chunked head per kind: fed first, it leaves the checker at the first chunk-size line. */
const REQ_PRIMER = Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1');
const RES_PRIMER = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1');

/** One checking parser per settings (the streams of a proxy share it: the check is synchronous). */
const checkers = new Map<string, H1Parser>();

function tuneNum(tune: ReadonlyMap<string, number | string | boolean>, k: string): number | undefined {
  const v = tune.get(k);
  return typeof v === 'number' ? v : undefined;
}

function checker(kind: 'request' | 'response', tune: ReadonlyMap<string, number | string | boolean>, acceptInvalid: boolean): { parser: H1Parser; bufsize: number } {
  const bufsize = tuneNum(tune, 'tune.bufsize') ?? 16384;
  const maxrewrite = tuneNum(tune, 'tune.maxrewrite');
  const maxhdr = tuneNum(tune, 'tune.http.maxhdr');
  const key = `${kind}/${bufsize}/${maxrewrite ?? ''}/${maxhdr ?? ''}/${acceptInvalid ? 1 : 0}`;
  let p = checkers.get(key);
  if (p === undefined) {
    p = new H1Parser(
      {
        kind,
        bufsize,
        ...(maxrewrite !== undefined ? { maxrewrite } : {}),
        ...(maxhdr !== undefined ? { maxhdr } : {}),
        acceptInvalid,
      },
      EVENTS,
    );
    checkers.set(key, p);
  }
  return { parser: p, bufsize };
}

/**
 * True when the chunked body bytes that arrived with `head` (from
 * `head.end` to the end of `head.buf`, within one input buffer of
 * `tune.bufsize` bytes from the head's start) have a framing error.
 * `acceptInvalid` is the proxy's `option accept-invalid-http-request` /
 * `-response`, as for the stream's own parser.
 */
export function earlyChunkedError(s: EarlyCheckSource, head: H1Head, acceptInvalid: boolean): boolean {
  if (head.bodyKind !== BODY_CHUNKED || head.isInterim) return false;
  const buf = head.buf;
  const { parser, bufsize } = checker(head.isResponse ? 'response' : 'request', s.runtime.model.global.tune, acceptInvalid);
  const end = Math.min(buf.length, head.start + bufsize);
  if (head.end >= end) return false;
  parser.reset();
  if (head.isResponse) parser.expectResponseTo(0);
  const primer = head.isResponse ? RES_PRIMER : REQ_PRIMER;
  parser.feed(primer, 0, primer.length);
  const bad = parser.feed(buf, head.end, end) < 0;
  parser.reset();
  return bad;
}

/** `option accept-invalid-http-request` of the frontend (as the stream's request parser). */
export function acceptsInvalidRequest(fe: { readonly config: ProxyConfig }): boolean {
  return fe.config.options.get('accept-invalid-http-request') === true;
}
