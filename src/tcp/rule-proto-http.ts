/**
 * `req.proto_http` / `req_proto_http` and so the predefined ACL `HTTP`
 * (configuration.txt §7.3.5, §7.4): true when the request bytes hold a
 * complete, valid HTTP/1 request head. The usual guard of `tcp-request
 * content switch-mode http if HTTP`.
 *
 * http_fetch.c smp_fetch_proto_http() -> smp_prefetch_htx(): in a mode tcp
 * stream the raw buffer is parsed with the H1 parser; an incomplete head
 * "may change" (a MISS: the content rules wait for more bytes), an invalid
 * one, or one that does not fit the buffer, is no HTTP (the fetch fails).
 * In an HTTP stream the request was parsed already: always true.
 */
import { H1Parser, type H1Events } from '../http/h1-parser.js';
import { MISS, type SampleContext, type SampleResult } from '../sample/context.js';
import { registerFetchImpls, simple, type FetchImpl } from '../sample/impl-registry.js';
import { INSPECT_WINDOW } from './inspect.js';

let headSeen = false;

/** Events of the probe parser: it only needs to know that a head was complete. */
const probeEvents: H1Events = {
  onHead: () => {
    headSeen = true;
    return false;
  },
  onData: () => undefined,
  onTrailers: () => undefined,
  onEnd: () => false,
};

const TRUE: SampleResult = { type: 'bool', value: true, flags: 0 };

/** Whether the request bytes of `ctx` start with a complete, valid HTTP/1 request head. */
export function protoHttp(ctx: SampleContext): SampleResult {
  if (ctx.http !== undefined) return TRUE;
  const req = ctx.req;
  if (req === undefined || ctx.response === true) return undefined;
  // h1_headers_to_hdr_list() fails on the first byte that cannot start a
  // request line (a TLS record, a binary protocol): no need to wait for more.
  if (!methodPrefixOk(req.buf, req.len)) return undefined;
  // A fresh parser each time: the fetch is only evaluated while inspecting.
  const p = new H1Parser({ kind: 'request' }, probeEvents);
  headSeen = false;
  const n = p.feed(req.buf, 0, req.len);
  if (headSeen) return TRUE;
  if (n < 0 || req.len >= INSPECT_WINDOW) return undefined;
  return MISS;
}

/** RFC 9110 §5.6.2 tchar, the characters of a method. */
function isTchar(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  return c === 0x21 || (c >= 0x23 && c <= 0x27) || c === 0x2a || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x5e || c === 0x5f || c === 0x60 || c === 0x7c || c === 0x7e;
}

/** The bytes before the first space (all of them when there is none yet) form a method. */
function methodPrefixOk(b: Buffer, len: number): boolean {
  let start = 0;
  // h1_parse_msg_rqbefore: empty lines before the request line are skipped.
  while (start < len && (b[start] === 0x0d || b[start] === 0x0a)) start++;
  for (let i = start; i < len; i++) {
    const c = b[i]!;
    if (c === 0x20) return i > start;
    if (!isTchar(c)) return false;
  }
  return true;
}

const impl: FetchImpl = simple(protoHttp);
registerFetchImpls({ 'req.proto_http': impl, req_proto_http: impl });
