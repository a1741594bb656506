/**
 * Differential: `mode http` streams through haproxy 2.6 and through
 * Switchyard with the same configuration, the same origins and the same
 * client bytes (docs/testing.md "differential.ts"). What each client gets,
 * how its connection ends and what each origin receives must be identical
 * after masking Date/Server and the listener ports.
 *
 * Covered: keep-alive, POST with Content-Length and chunked bodies,
 * HTTP/1.0, pipelining, option forwardfor (plain, if-none, except), header
 * rules, `redirect scheme https code 301 if !{ ssl_fc }` (seed 000),
 * `http-request redirect scheme https` (seed 004), HSTS (seed 002),
 * `use_backend %[req.hdr(host),lower,word(1,:)]_http` (seed 004), deny,
 * return, 502/503/504/400/408, httpclose and http-server-close.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertSameBehaviour, differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { type ComparableView, comparableViews, EMPTY_VIEW, originRequests } from '../../helpers/http-fixtures.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import type { RecordedRequest, OriginReply } from '../../helpers/origins.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

/** The origin's answers, chosen by path so one origin serves every case. */
function respond(req: RecordedRequest, o: { name: string }): OriginReply {
  switch (req.target) {
    case '/garbage':
      return { raw: 'HTTP/1.1 2OO Bad\r\n\r\n', close: true };
    case '/hang':
      return 'hang';
    case '/nolen':
      // A response delimited by the close (RFC 9112 §6.3 rule 8).
      return { raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close', close: true };
    case '/nolen10':
      return { raw: 'HTTP/1.0 200 OK\r\n\r\nten', close: true };
    case '/chunked':
      return { chunks: ['ab', 'cd'] };
    default:
      return { body: `${o.name} ${req.method} ${req.target} ${req.body.length}` };
  }
}

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 1s
  timeout http-request 400ms

frontend fe
  bind \${ADDR:fe}
  default_backend web
frontend ff
  bind \${ADDR:ff}
  option forwardfor
  default_backend web
frontend ffn
  bind \${ADDR:ffn}
  option forwardfor if-none
  default_backend web
frontend ffe
  bind \${ADDR:ffe}
  option forwardfor except 127.0.0.0/8
  default_backend web
frontend hdr
  bind \${ADDR:hdr}
  http-request set-header X-Set one
  http-request add-header X-Add two
  http-request add-header X-Add three
  http-request del-header X-Del
  http-request replace-header X-Rep (.*)-old \\1-new
  http-request replace-value X-Val ^(a)-old \\1-new
  http-request replace-path ^/cut /x
  default_backend web
frontend redir
  bind \${ADDR:redir}
  redirect scheme https code 301 if !{ ssl_fc }
  default_backend web
frontend hredir
  bind \${ADDR:hredir}
  http-request redirect scheme https
  default_backend web
frontend redir2
  bind \${ADDR:redir2}
  http-request redirect location /new code 303 if { path /a }
  http-request redirect location /new code 307 if { path /b }
  http-request redirect prefix /pre code 308 drop-query if { path /c }
  http-request redirect prefix /pre append-slash if { path /d }
  default_backend web
frontend hsts
  bind \${ADDR:hsts}
  http-response set-header Strict-Transport-Security "max-age=16000000; includeSubDomains; preload;"
  default_backend web
frontend host
  bind \${ADDR:host}
  use_backend %[req.hdr(host),lower,word(1,:)]_http
  default_backend web
frontend deny
  bind \${ADDR:deny}
  http-request deny
  default_backend web
frontend ret
  bind \${ADDR:ret}
  http-request return status 200 content-type text/plain string ok
  default_backend web
frontend nosrv
  bind \${ADDR:nosrv}
  default_backend empty
frontend slow
  bind \${ADDR:slow}
  default_backend slow
frontend clo
  bind \${ADDR:clo}
  option httpclose
  default_backend web
frontend scl
  bind \${ADDR:scl}
  option http-server-close
  default_backend web

backend web
  server s1 \${ORIGIN:web}
backend a_http
  server s1 \${ORIGIN:a}
backend b_http
  server s1 \${ORIGIN:b}
backend empty
backend slow
  timeout server 200ms
  server s1 \${ORIGIN:web}
`;

const GET = (path: string, extra = '', host = 'example.com'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
const CLOSE = 'Connection: close\r\n';

/** Exchanges that end on the proxy's close are fast; the others end on 150 ms of silence. */
function ex(listener: string, name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange {
  return { listener, name, send, idleMs: 150, ...more };
}

const EXCHANGES: Exchange[] = [
  ex('fe', 'keep-alive GET x2', [GET('/a'), GET('/b')], { pauseMs: 50 }),
  ex('fe', 'GET with connection: close', GET('/c', CLOSE)),
  ex('fe', 'POST content-length', `POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n${CLOSE}\r\nhello`),
  ex('fe', 'POST chunked', `POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n${CLOSE}\r\n5\r\nhello\r\n3\r\n!!!\r\n0\r\n\r\n`),
  ex('fe', 'chunked response', GET('/chunked', CLOSE)),
  ex('fe', 'HTTP/1.0 without keep-alive', 'GET /h10 HTTP/1.0\r\n\r\n'),
  ex('fe', 'HTTP/1.0 keep-alive', 'GET /h10k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'),
  ex('fe', 'pipelined x3', GET('/1') + GET('/2') + GET('/3', CLOSE)),
  ex('fe', 'response without length to 1.1 client', GET('/nolen')),
  ex('fe', 'HTTP/1.0 response without length', GET('/nolen10')),
  ex('fe', '400 bad request', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'),
  ex('fe', '502 garbage from origin', GET('/garbage')),
  ex('fe', '408 after a partial head', 'GET / HTTP/1.1\r\nHost: x\r\n', { idleMs: 1500 }),
  ex('fe', '408 on a silent connection', [], { idleMs: 1500 }),
  ex('ff', 'forwardfor', GET('/ff', CLOSE)),
  ex('ff', 'forwardfor with a client XFF', GET('/ff', `X-Forwarded-For: 10.0.0.1\r\n${CLOSE}`)),
  ex('ffn', 'forwardfor if-none, XFF present', GET('/ffn', `X-Forwarded-For: 10.0.0.1\r\n${CLOSE}`)),
  ex('ffn', 'forwardfor if-none, no XFF', GET('/ffn', CLOSE)),
  ex('ffe', 'forwardfor except 127.0.0.0/8', GET('/ffe', CLOSE)),
  ex('hdr', 'set/add/del/replace-header', GET('/h', `X-Set: zero\r\nX-Del: gone\r\nX-Rep: value-old\r\n${CLOSE}`)),
  ex('hdr', 'replace-header/value/path replace the whole subject', GET('/cut/more?q', `X-Rep: a-old-b\r\nX-Val: a-old-b, c, a-old\r\n${CLOSE}`)),
  ex('redir', 'redirect scheme https code 301 (seed 000)', GET('/r?q=1', '', 'www.example.com')),
  ex('hredir', 'http-request redirect scheme https (seed 004)', GET('/r', '', 'www.example.com')),
  ex('redir2', 'redirect 303, 307, 308 drop-query, append-slash', [GET('/a'), GET('/b'), GET('/c?x=1'), GET('/d?y', CLOSE)], { pauseMs: 30 }),
  ex('hsts', 'HSTS (seed 002)', GET('/s', CLOSE)),
  ex('host', 'use_backend on host a:8080', GET('/x', CLOSE, 'A:8080')),
  ex('host', 'use_backend on host b', GET('/x', CLOSE, 'b')),
  ex('host', 'use_backend on unknown host', GET('/x', CLOSE, 'zzz')),
  ex('deny', 'http-request deny', GET('/d')),
  ex('ret', 'http-request return', [GET('/r1'), GET('/r2', CLOSE)], { pauseMs: 50 }),
  ex('nosrv', '503 no server, then a second request', [GET('/n'), GET('/n2', CLOSE)], { pauseMs: 50 }),
  ex('nosrv', '503 to a request asking for close', GET('/n', CLOSE)),
  ex('fe', '502 then a second request', [GET('/garbage'), GET('/after', CLOSE)], { pauseMs: 100 }),
  ex('deny', 'deny on HTTP/1.0', 'GET /d HTTP/1.0\r\n\r\n'),
  ex('deny', 'deny with a pending body', `POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345`),
  ex('slow', '504 timeout server', GET('/hang'), { idleMs: 1000 }),
  ex('clo', 'option httpclose', GET('/clo')),
  ex('scl', 'option http-server-close', [GET('/s1'), GET('/s2', CLOSE)], { pauseMs: 50 }),
];

describe('mode http: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  let ref = EMPTY_VIEW;
  let got = EMPTY_VIEW;
  before(async () => {
    result = await differential({
      config: CONFIG,
      origins: {
        web: { kind: 'http', respond },
        a: { kind: 'http', respond },
        b: { kind: 'http', respond },
      },
      exchanges: EXCHANGES,
    });
    ({ ref, got } = comparableViews(result));
  });
  // One test per exchange so a difference names its case.
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name ?? String(i), () => {
      assert.deepStrictEqual(got.clients[i], ref.clients[i], `switchyard output:\n${result?.against.output ?? ''}`);
    });
  }
  // Which server connection carries which request is not compared: haproxy
  // 2.6 (http-reuse safe) hands a later request of a client connection to
  // any idle connection of the server, timing decides which; Switchyard keeps
  // the client's own server connection when it has one. The requests each
  // origin received, byte for byte, must be the same.
  it('origins received the same requests', () => {
    const requests = (v: ComparableView): Record<string, string[]> =>
      Object.fromEntries(Object.entries(v.origins).map(([k, conns]) => [k, originRequests(conns)]));
    assert.deepStrictEqual(requests(got), requests(ref));
  });
  it('no "not enforced" or "cannot be evaluated" warning for what runs', () => {
    // `timeout http-request` is enforced by the stream but its flag lives with the timeouts parser.
    const lines = (result?.against.output ?? '').split('\n').filter((l) => /not enforced|cannot be evaluated/.test(l) && !l.includes("'timeout http-request'"));
    assert.deepStrictEqual(lines, []);
  });
  it('all together (connections ending, outputs on failure)', () => {
    assert.ok(result !== undefined);
    assertSameBehaviour(result, { ignoreOrigins: ['web', 'a', 'b'] });
  });
});
