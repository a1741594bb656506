/**
 * Differential: HTTP connection management through haproxy 2.6 and through
 * Switchyard (docs/http-connections.md). What each client gets and what each
 * origin receives on each of its connections must be the same, which also
 * compares how requests are spread over server connections:
 *
 * - `http-reuse never|safe|aggressive|always` with client connections one
 *   after the other (haproxy's session-private connections for never, the
 *   first-request rules of safe and aggressive);
 * - `pool-max-conn 0` and `pool-purge-delay 0` (no idle connection kept);
 * - `option http-pretend-keepalive` with http-server-close and httpclose;
 * - `option http-ignore-probes`, and the 400 a client gets when it closes
 *   before sending a request;
 * - `option http-buffer-request` with the `req.body*` fetches;
 * - header names in lower case on the wire, and `option
 *   h1-case-adjust-bogus-client/-server` with global `h1-case-adjust`;
 * - `accept-proxy` (v1, v2) and `tcp-request connection|session|content`
 *   rules on `mode http` listeners, `src`/`dst` from the PROXY header;
 * - `tcp-request content` rules run for each request of a keep-alive
 *   connection, with HTTP fetches, and the `sess.`/`txn.` variables set by
 *   layer-4 rules are seen by the HTTP rules;
 * - `http-request wait-for-body` in frontend and backend rules: the rules
 *   after it see the body (`at-least`, complete), a 408 when it is late;
 * - `max-session-srv-conns` with `http-reuse never`: a client connection
 *   alternating two servers keeps one private connection to each (default
 *   5), or only the first one with 1.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { assertExchangesAndOrigins } from '../../helpers/http-fixtures.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

// nbthread 1: with several threads haproxy keeps idle server connections
// per thread, which spreads the requests over them differently
// (test/compat/http/connection-reuse.test.ts).
const CONFIG = `
global
  nbthread 1
  h1-case-adjust content-length Content-Length
  h1-case-adjust x-custom-header X-CuStOm-HeAdEr

defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 1s
  timeout http-request 300ms

listen never
  bind \${ADDR:never}
  http-reuse never
  server s1 \${ORIGIN:never}
listen safe
  bind \${ADDR:safe}
  http-reuse safe
  server s1 \${ORIGIN:safe}
listen aggressive
  bind \${ADDR:aggressive}
  http-reuse aggressive
  server s1 \${ORIGIN:aggressive}
listen always
  bind \${ADDR:always}
  http-reuse always
  server s1 \${ORIGIN:always}
listen nopool
  bind \${ADDR:nopool}
  server s1 \${ORIGIN:nopool} pool-max-conn 0
listen nopurge
  bind \${ADDR:nopurge}
  server s1 \${ORIGIN:nopurge} pool-purge-delay 0
listen pretendscl
  bind \${ADDR:pretendscl}
  option http-server-close
  option http-pretend-keepalive
  server s1 \${ORIGIN:web}
listen pretendclo
  bind \${ADDR:pretendclo}
  option httpclose
  option http-pretend-keepalive
  server s1 \${ORIGIN:web}
listen probes
  bind \${ADDR:probes}
  option http-ignore-probes
  server s1 \${ORIGIN:web}
listen plain
  bind \${ADDR:plain}
  server s1 \${ORIGIN:web}
listen buffered
  bind \${ADDR:buffered}
  option http-buffer-request
  http-request set-header X-Body "%[req.body]"
  http-request set-header X-Len "%[req.body_len]"
  http-request set-header X-Size "%[req.body_size]"
  http-request set-header X-Param "%[req.body_param(b)]"
  server s1 \${ORIGIN:web}
frontend febuf
  bind \${ADDR:febuf}
  default_backend bebuf
backend bebuf
  option http-buffer-request
  http-request set-header X-Len "%[req.body_len]"
  server s1 \${ORIGIN:web}
listen caseclient
  bind \${ADDR:caseclient}
  option h1-case-adjust-bogus-client
  server s1 \${ORIGIN:web}
listen pp
  bind \${ADDR:pp} accept-proxy
  option forwardfor
  tcp-request content reject if { src 10.0.0.0/8 }
  http-request set-header X-Src "%[src]:%[src_port] %[dst]:%[dst_port]"
  server s1 \${ORIGIN:web}
listen tcpconn
  bind \${ADDR:tcpconn}
  tcp-request connection reject if { src 127.0.0.1 }
  server s1 \${ORIGIN:web}
listen tcpsess
  bind \${ADDR:tcpsess}
  tcp-request session reject if { dst_port 1-65535 }
  server s1 \${ORIGIN:web}
listen tcpcontent
  bind \${ADDR:tcpcontent}
  tcp-request connection set-var(sess.c) int(7)
  tcp-request session set-var(sess.s) int(8)
  tcp-request content set-var(sess.n) int(0) unless { var(sess.n) -m found }
  tcp-request content set-var(sess.n) var(sess.n),add(1)
  tcp-request content set-var(txn.path) path
  tcp-request content reject if { path /deny }
  http-request set-header X-Vars "%[var(sess.n)] %[var(txn.path)] %[var(sess.c)] %[var(sess.s)]"
  server s1 \${ORIGIN:tcpc}
listen tcpcontent2
  bind \${ADDR:tcpcontent2}
  tcp-request inspect-delay 500ms
  tcp-request content set-var(txn.t) req.hdr(x-t)
  tcp-request content reject if { req.hdr(x-t) drop }
  http-request return status 200 content-type text/plain lf-string "t=%[var(txn.t)]"
frontend tcpbefe
  bind \${ADDR:tcpbefe}
  tcp-request content set-var(sess.f) str(fe)
  default_backend tcpbe
backend tcpbe
  tcp-request content set-var(sess.n) int(0) unless { var(sess.n) -m found }
  tcp-request content set-var(sess.n) var(sess.n),add(1)
  tcp-request content reject if { path /deny }
  http-request return status 200 content-type text/plain lf-string "n=%[var(sess.n)] f=%[var(sess.f)] p=%[path]"
listen waitbody
  bind \${ADDR:waitbody}
  http-request set-header x-before "%[req.body_len]"
  http-request wait-for-body time 300ms at-least 5
  http-request set-header x-after "%[req.body_len] %[req.body]"
  server s1 \${ORIGIN:wait}
frontend waitfe
  bind \${ADDR:waitfe}
  default_backend waitbe
backend waitbe
  http-request set-header x-before "%[req.body_len]"
  http-request wait-for-body time 300ms
  http-request set-header x-after "%[req.body_len] %[req.body]"
  server s1 \${ORIGIN:wait}
listen sessfive
  bind \${ADDR:sessfive}
  http-reuse never
  balance roundrobin
  server s1 \${ORIGIN:sa}
  server s2 \${ORIGIN:sb}
listen sessone
  bind \${ADDR:sessone}
  max-session-srv-conns 1
  http-reuse never
  balance roundrobin
  server s1 \${ORIGIN:sc}
  server s2 \${ORIGIN:sd}
listen caseserver
  bind \${ADDR:caseserver}
  option h1-case-adjust-bogus-server
  http-request set-header x-custom-header yes
  server s1 \${ORIGIN:web}
`;

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;
const CLOSE = 'Connection: close\r\n';

/** A PROXY v2 header: TCP over IPv4, 203.0.113.9:1234 -> 198.51.100.2:443. */
const PPV2 = Buffer.concat([
  Buffer.from('0d0a0d0a000d0a515549540a', 'hex'),
  Buffer.from([0x21, 0x11, 0x00, 0x0c, 203, 0, 113, 9, 198, 51, 100, 2, 0x04, 0xd2, 0x01, 0xbb]),
]);

function ex(listener: string, name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange {
  return { listener, name, send, idleMs: 150, ...more };
}

/** Two client connections of two requests each, then one of one request. */
function reuseRun(listener: string): Exchange[] {
  return [
    ex(listener, `${listener}: client A`, [GET('/a1'), GET('/a2')], { pauseMs: 40 }),
    ex(listener, `${listener}: client B`, [GET('/b1'), GET('/b2')], { pauseMs: 40 }),
    ex(listener, `${listener}: client C`, GET('/c1')),
  ];
}

const EXCHANGES: Exchange[] = [
  ...reuseRun('never'),
  ...reuseRun('safe'),
  ...reuseRun('aggressive'),
  ...reuseRun('always'),
  ex('nopool', 'pool-max-conn 0', [GET('/p1'), GET('/p2')], { pauseMs: 40 }),
  ex('nopurge', 'pool-purge-delay 0', [GET('/q1'), GET('/q2')], { pauseMs: 40 }),
  ex('pretendscl', 'pretend-keepalive + http-server-close', [GET('/s1'), GET('/s2', CLOSE)], { pauseMs: 40 }),
  ex('pretendclo', 'pretend-keepalive + httpclose', GET('/c')),
  ex('pretendscl', 'pretend-keepalive, HTTP/1.0 client', 'GET /h10 HTTP/1.0\r\n\r\n'),
  ex('probes', 'ignore-probes: silent connection', [], { idleMs: 800 }),
  ex('probes', 'ignore-probes: partial head still gets 408', 'GET / HTTP/1.1\r\n', { idleMs: 800 }),
  ex('probes', 'ignore-probes: close without a byte', [], { halfClose: true, idleMs: 300 }),
  ex('plain', 'close without a byte gets a 400', [], { halfClose: true, idleMs: 300 }),
  ex('plain', 'partial head then close gets a 400', 'GET / HTTP/1.1\r\nHo', { halfClose: true, idleMs: 300 }),
  ex('plain', 'keep-alive then close: silent', GET('/k'), { halfClose: true, idleMs: 300 }),
  ex('buffered', 'buffer-request, content-length body', `POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n${CLOSE}\r\na=1&b=two&c`),
  ex('buffered', 'buffer-request, chunked body in pieces', [`POST /f HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n${CLOSE}\r\n4\r\nb=xy\r\n`, '3\r\n&c=\r\n0\r\n\r\n'], { pauseMs: 50 }),
  ex('buffered', 'buffer-request, GET without body', GET('/g', CLOSE)),
  ex('buffered', 'buffer-request, body never completes: 408', `POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\nshort`, { idleMs: 800 }),
  ex('febuf', 'buffer-request on the backend only', [`POST /bb HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n${CLOSE}\r\nab`, 'cdef'], { pauseMs: 50 }),
  ex('plain', 'header names are sent in lower case', GET('/lc', `X-Mixed-Case: v\r\n${CLOSE}`)),
  ex('caseclient', 'h1-case-adjust-bogus-client', GET('/cc', CLOSE)),
  ex('pp', 'accept-proxy v1: src from the header, forwardfor', ['PROXY TCP4 192.0.2.7 198.51.100.1 4000 8080\r\n' + GET('/pp', CLOSE)]),
  ex('pp', 'accept-proxy v2', [Buffer.concat([PPV2, Buffer.from(GET('/pp2', CLOSE))])]),
  ex('pp', 'content rule rejects on the PROXY source', ['PROXY TCP4 10.1.2.3 198.51.100.1 4000 8080\r\n' + GET('/no', CLOSE)]),
  ex('pp', 'no PROXY header', GET('/bad', CLOSE)),
  ex('tcpconn', 'tcp-request connection reject', GET('/x', CLOSE)),
  // Nothing sent: whether request bytes arrive before the reject (a reset) or after (a FIN) is a race in both proxies.
  ex('tcpsess', 'tcp-request session reject', [], { idleMs: 300 }),
  ex('tcpcontent', 'tcp-request content per request, vars seen by http rules', [GET('/a'), GET('/b'), GET('/deny'), GET('/c')], { pauseMs: 40 }),
  ex('tcpcontent2', 'tcp-request content with HTTP fetches, txn vars', [GET('/1', 'X-T: one\r\n'), GET('/2'), GET('/3', 'X-T: three\r\n')], { pauseMs: 40 }),
  ex('tcpcontent2', 'tcp-request content reject on the second request', [GET('/1', 'X-T: one\r\n'), GET('/2', 'X-T: drop\r\n')], { pauseMs: 40 }),
  ex('tcpbefe', 'backend tcp-request content rules per request', [GET('/a'), GET('/b'), GET('/deny'), GET('/c')], { pauseMs: 40 }),
  ex('waitbody', 'wait-for-body at-least 5: resumes with 6 bytes', [`POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n${CLOSE}\r\n`, '123456', '78901234567890'], { pauseMs: 60 }),
  ex('waitbody', 'wait-for-body: complete chunked body', [`POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n${CLOSE}\r\n`, '2\r\nab\r\n0\r\n\r\n'], { pauseMs: 60 }),
  ex('waitbody', 'wait-for-body: no body, no wait', GET('/g1', CLOSE)),
  ex('waitbody', 'wait-for-body: body late, 408', [`POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n`, '12'], { pauseMs: 40, idleMs: 800 }),
  ex('waitfe', 'wait-for-body in backend rules: whole body', [`POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n${CLOSE}\r\n`, 'abcd', 'efgh'], { pauseMs: 60 }),
  ex('sessfive', 'http-reuse never: one private connection per server', [GET('/1'), GET('/2'), GET('/3'), GET('/4'), GET('/5', CLOSE)], { pauseMs: 40 }),
  ex('sessone', 'max-session-srv-conns 1', [GET('/1'), GET('/2'), GET('/3'), GET('/4'), GET('/5', CLOSE)], { pauseMs: 40 }),
  ex('caseserver', 'h1-case-adjust-bogus-server', GET('/cs', `Content-Length: 0\r\n${CLOSE}`)),
];

describe('HTTP connection management: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  before(async () => {
    result = await differential({
      config: CONFIG,
      origins: Object.fromEntries(
        ['never', 'safe', 'aggressive', 'always', 'nopool', 'nopurge', 'web', 'tcpc', 'wait', 'sa', 'sb', 'sc', 'sd'].map((n) => [n, { kind: 'http' as const }]),
      ),
      exchanges: EXCHANGES,
    });
  });

  it('every exchange and every origin connection match', () => assertExchangesAndOrigins(result, EXCHANGES));
});
