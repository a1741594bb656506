/**
 * Head rewriting of an `HttpStream` on the way through: the forwarding
 * headers (`option forwardfor`, `option originalto`) and the `connection`
 * header for the connection mode on each side (mux_h1.c
 * h1_update_req_conn_value() / h1_update_res_conn_value()). Heads no rule
 * rewrote are written from their received byte ranges (h1-writer.ts).
 */
import { BODY_CHUNKED, type CanonicalHead, type H1Head } from './h1-head.js';
import { cleanConnectionValue, writeCanonical, writeHead } from './h1-writer.js';
import { addressHeaderFor } from './forwardfor.js';
import type { HttpProxy } from './rules.js';
import type { HttpStream } from './stream.js';
import { beConnConfig, feConnConfig } from './stream-config.js';
import { adjustHeadCase, caseMapOf } from './h1-case-adjust.js';
import { uniqueIdHeader } from './unique-id.js';

/** Serializes the request head for the server, with the forwarding headers and connection mode. */
export function buildReqHead(s: HttpStream, head: H1Head, bhp: HttpProxy): Buffer {
  const add: Array<readonly [string, string]> = [];
  const canon = s.reqCanon;
  const has = canon === undefined ? undefined : (n: string): boolean => canon.headers.some(([k]) => k.toLowerCase() === n);
  // http_ana.c http_process_request(): `unique-id-header` comes before X-Forwarded-For (unique-id.ts).
  if (feConnConfig(s.fe).uniqueIdHeader) {
    const uid = uniqueIdHeader(s);
    if (uid !== undefined) add.push(uid);
  }
  // The addresses are looked up only when a header wants them (getpeername is a system call).
  const ff = s.hp.forwardFor ?? bhp.forwardFor;
  if (ff !== undefined) {
    const xff = addressHeaderFor(ff, s.src?.address, head, has);
    if (xff !== undefined) add.push(xff);
  }
  const ot = s.hp.originalTo ?? bhp.originalTo;
  if (ot !== undefined) {
    const xot = addressHeaderFor(ot, s.dst?.address, head, has);
    if (xot !== undefined) add.push(xot);
  }
  // mux_h1.c h1_update_req_conn_value(): HTTP/1.0 keep-alive is explicit, HTTP/1.1 close is.
  // configuration.txt §4.2 "option http-pretend-keepalive": the server is
  // not told about the close (haproxy 2.6 then sends no connection header to
  // a 1.1 server and closes after the response all the same).
  const kal = (s.srvKeep || beConnConfig(s.be!).pretendKeepAlive) && !s.upgrade;
  if (kal && !s.reqMajor11) add.push(['connection', 'keep-alive']);
  else if (!kal && s.reqMajor11 && !s.upgrade) add.push(['connection', 'close']);
  s.reqChunkedOut = head.bodyKind === BODY_CHUNKED;
  const out = canon !== undefined ? writeCanonical(withAdded(cleanConn(canon), add)) : writeHead(head, add.length === 0 ? undefined : { add });
  return beConnConfig(s.be!).caseAdjustServer ? adjustHeadCase(out, caseMapOf(s.runtime.model)) : out;
}

/**
 * Serializes the final response head for the client with its connection
 * header; `switching` (101, 2xx to CONNECT) heads are left as they are.
 */
export function buildResHead(s: HttpStream, head: H1Head, switching: boolean): Buffer {
  const add: Array<readonly [string, string]> = [];
  if (!switching) {
    // mux_h1.c h1_update_res_conn_value(): "keep-alive" for a 1.0 client
    // kept open, "close" only on a 1.1 response (a 1.0 one implies it).
    if (s.cliKeep && !s.reqMajor11) add.push(['connection', 'keep-alive']);
    else if (!s.cliKeep && head.http11) add.push(['connection', 'close']);
  }
  const out = s.resCanon !== undefined ? writeCanonical(withAdded(cleanConn(s.resCanon), add)) : writeHead(head, add.length === 0 ? undefined : { add });
  return feConnConfig(s.fe).caseAdjustClient ? adjustHeadCase(out, caseMapOf(s.runtime.model)) : out;
}

/** The canonical head with Connection values cleaned of close/keep-alive (as the writer does for parsed heads). */
function cleanConn(h: CanonicalHead): CanonicalHead {
  const headers: Array<[string, string]> = [];
  for (const [n, v] of h.headers) {
    if (n.toLowerCase() === 'connection') {
      const c = cleanConnectionValue(v);
      if (c !== '') headers.push([n, c]);
    } else headers.push([n, v]);
  }
  return { ...h, headers };
}

/** The canonical head with `add` appended (the same object when nothing is added). */
function withAdded(h: CanonicalHead, add: ReadonlyArray<readonly [string, string]>): CanonicalHead {
  if (add.length === 0) return h;
  return { ...h, headers: [...h.headers, ...add.map(([n, v]): [string, string] => [n, v])] };
}
