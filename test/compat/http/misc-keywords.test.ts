/**
 * Differential: the last HTTP engine keywords through haproxy 2.6 and
 * through Switchyard (docs/http-misc.md). What each client gets and what
 * each origin receives on each of its connections must be the same:
 *
 * - `http-request reject` (a close, no answer), `option
 *   accept-invalid-http-response` (header names, version), `option
 *   http-restrict-req-hdr-names delete|reject`, `http-send-name-header`
 *   (on retries and redispatches too), global
 *   `h1-accept-payload-with-any-method`, `option checkcache`, `option
 *   http-use-proxy-header` (407 and Proxy-Authorization);
 * - `retry-on` statuses, `empty-response`, `junk-response`,
 *   `response-timeout`, `none`, a list without `conn-failure`, `http-request
 *   disable-l7-retry`, a body that was not complete or does not fit in a
 *   buffer (no retry);
 * - `tune.bufsize`, `tune.maxrewrite`, `tune.http.maxhdr` on requests (400)
 *   and responses (502).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { assertExchangesAndOrigins } from '../../helpers/http-fixtures.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `
global
  h1-accept-payload-with-any-method
  tune.bufsize 4096
  tune.maxrewrite 1024
  tune.http.maxhdr 10

userlist ul
  user u insecure-password p

defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 300ms

listen rej
  bind \${ADDR:rej}
  http-request reject if { path /r }
  server s1 \${ORIGIN:web}
listen inv
  bind \${ADDR:inv}
  option accept-invalid-http-response
  server s1 \${ORIGIN:bad}
listen strict
  bind \${ADDR:strict}
  server s1 \${ORIGIN:bad}
listen restrict
  bind \${ADDR:restrict}
  option http-restrict-req-hdr-names delete
  http-request set-header x-seen "%[req.hdr(x_a)]"
  server s1 \${ORIGIN:web}
listen restrictrej
  bind \${ADDR:restrictrej}
  option http-restrict-req-hdr-names reject
  server s1 \${ORIGIN:web}
listen name
  bind \${ADDR:name}
  option forwardfor
  http-send-name-header X-Srv
  server srvA \${ORIGIN:web}
listen cc
  bind \${ADDR:cc}
  option checkcache
  server s1 \${ORIGIN:cache}
listen pxh
  bind \${ADDR:pxh}
  option http-use-proxy-header
  http-request auth realm R if { path_beg /auth } !{ http_auth(ul) }
  server s1 \${ORIGIN:web}
listen st
  bind \${ADDR:st}
  retry-on 503
  retries 2
  http-send-name-header X-Srv
  server s1 \${ORIGIN:flaky}
listen st1
  bind \${ADDR:st1}
  retry-on 503
  retries 1
  server s1 \${ORIGIN:flaky}
listen redisp
  bind \${ADDR:redisp}
  retry-on 503 empty-response
  option redispatch
  http-send-name-header X-Srv
  server a \${ORIGIN:flaky}
  server b \${ORIGIN:web}
listen empty
  bind \${ADDR:empty}
  retry-on empty-response
  server s1 \${ORIGIN:flaky}
listen junk
  bind \${ADDR:junk}
  retry-on junk-response
  server s1 \${ORIGIN:flaky}
listen to
  bind \${ADDR:to}
  retry-on response-timeout
  retries 1
  server s1 \${ORIGIN:flaky}
listen dis
  bind \${ADDR:dis}
  retry-on 503
  http-request disable-l7-retry if { path_beg /off }
  server s1 \${ORIGIN:flaky}
listen noconn
  bind \${ADDR:noconn}
  retry-on 503
  server s1 127.0.0.1:1
listen none
  bind \${ADDR:none}
  retry-on none
  server s1 127.0.0.1:1
listen tune
  bind \${ADDR:tune}
  server s1 \${ORIGIN:big}
`;

// ---- origins ---------------------------------------------------------------

/** Per-target request counts, restarted when the origin is reset between the two sides. */
function counter(): (req: RecordedRequest) => number {
  const counts = new Map<string, number>();
  return (req) => {
    // The first request on the first connection after a reset: the other side starts.
    if (req.connection === 0 && req.indexOnConnection === 0) counts.clear();
    const c = (counts.get(req.target) ?? 0) + 1;
    counts.set(req.target, c);
    return c;
  };
}

const nth = counter();

/**
 * Fails the first request of each target (as its path says), then answers.
 * Every answer closes: which idle server connection a request reuses is
 * the pool's business (test/compat/http/connection.test.ts), not compared here.
 */
function flaky(req: RecordedRequest): OriginReply {
  const r = flakyReply(req);
  return typeof r === 'object' && !('raw' in r) ? { ...r, close: true } : r;
}

function flakyReply(req: RecordedRequest): OriginReply {
  const c = nth(req);
  const t = req.target;
  const first = c % 3 === 1;
  if (t.startsWith('/503x') || t.startsWith('/off')) return { status: 503, body: 'busy' };
  if (t.startsWith('/503')) return first ? { status: 503, body: `busy${c}` } : { body: `ok${c}` };
  if (t.startsWith('/empty')) return first ? 'close' : { body: `ok${c}` };
  if (t.startsWith('/partial')) return first ? { raw: 'HTTP/1.1 200 OK\r\nContent-Le', close: true } : { body: `ok${c}` };
  if (t.startsWith('/garb')) return first ? { raw: 'garbage\r\n\r\n', close: true } : { body: `ok${c}` };
  if (t.startsWith('/to')) return first ? 'hang' : { body: `ok${c}` };
  return { body: 'ok' };
}

function bad(req: RecordedRequest): OriginReply {
  if (req.target === '/v') return { raw: 'HTTP/1.10 200 OK\r\nContent-Length: 2\r\n\r\nok' };
  if (req.target === '/s') return { raw: 'HTTP/1.1 200 OK\r\nX Bad: 1\r\nContent-Length: 2\r\n\r\nok' };
  return { raw: 'HTTP/1.1 200 OK\r\nX(a): 1\r\nX\x01: 2\r\nContent-Length: 2\r\n\r\nok' };
}

const CACHE_HEADERS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  plain: [['Set-Cookie', 'a=1']],
  exp: [['Set-Cookie', 'a=1'], ['Expires', 'Thu, 01 Dec 2030 16:00:00 GMT']],
  etag: [['Set-Cookie', 'a=1'], ['ETag', '"x"']],
  maxage: [['Set-Cookie', 'a=1'], ['Cache-Control', 'Max-Age=60']],
  public: [['Set-Cookie', 'a=1'], ['Cache-Control', 'public']],
  pubmax: [['Set-Cookie', 'a=1'], ['Cache-Control', 'public'], ['Cache-Control', 'max-age=60']],
  private: [['Set-Cookie', 'a=1'], ['Cache-Control', 'public'], ['Cache-Control', 'private']],
  nocachesc: [['Set-Cookie', 'a=1'], ['Cache-Control', 'max-age=60, no-cache="set-cookie, foo"']],
  pragma: [['Set-Cookie', 'a=1'], ['Cache-Control', 'max-age=60'], ['Pragma', 'no-cache']],
  maxage0: [['Set-Cookie', 'a=1'], ['Cache-Control', 'max-age=0, s-maxage=10']],
  nocookie: [['Cache-Control', 'max-age=60']],
};

function cache(req: RecordedRequest): OriginReply {
  const [k = '', st] = req.target.slice(1).split('/');
  // The origin closes: haproxy keeps the connection of a blocked response for reuse, Switchyard closes it (docs/http-misc.md).
  return { status: Number(st ?? 200), reason: 'R', headers: (CACHE_HEADERS[k] ?? []).map(([n, v]) => [n, v] as [string, string]), body: 'x', close: true };
}

/** Responses at the tune.* limits: /h<n> carries n extra headers, /b<n> one header of n bytes. */
function big(req: RecordedRequest): OriginReply {
  const t = req.target;
  const n = Number(t.slice(2));
  if (t.startsWith('/h')) return { headers: Array.from({ length: n }, (_, i) => [`X-H${i}`, 'v'] as [string, string]), body: 'x' };
  if (t.startsWith('/b')) return { headers: [['X-Big', 'b'.repeat(n)]], body: 'x' };
  return { body: 'x' };
}

// ---- exchanges -------------------------------------------------------------

const G = (p: string, extra = ''): string => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`;
const POST = (p: string, body: string): string => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
/** A request without Connection: close whose head is exactly at the size wanted. */
const KA = (p: string, extra: string): string => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const hdrs = (n: number): string => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join('');

function ex(listener: string, name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange {
  return { listener, name, send, idleMs: 200, ...more };
}

const EXCHANGES: Exchange[] = [
  ex('rej', 'reject closes without an answer', G('/r')),
  ex('rej', 'reject on a keep-alive connection', [KA('/a', ''), G('/r')], { pauseMs: 50 }),
  ex('inv', 'accept-invalid-http-response: header names', G('/n')),
  ex('inv', 'accept-invalid-http-response: version', G('/v')),
  ex('inv', 'accept-invalid-http-response: space in a name', G('/s')),
  ex('strict', 'strict: invalid names are a 502', G('/n')),
  ex('strict', 'strict: HTTP/1.10 is a 502', G('/v')),
  ex('restrict', 'restrict-req-hdr-names delete (rules saw them)', G('/d', 'X_a: 1\r\nX.b: 2\r\nX-c9: 3\r\n')),
  ex('restrictrej', 'restrict-req-hdr-names reject', G('/d', 'X_a: 1\r\n')),
  ex('restrictrej', 'restrict-req-hdr-names reject, valid names', G('/d', 'X-a: 1\r\n')),
  ex('name', 'http-send-name-header replaces every occurrence', G('/n', 'X-Srv: old\r\nx-srv: old2\r\n')),
  ex('name', 'h1-accept-payload-with-any-method: HTTP/1.0 GET with a body', 'GET /b HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc'),
  ...Object.keys(CACHE_HEADERS).map((k) => ex('cc', `checkcache GET ${k}`, G(`/${k}`))),
  ...[204, 302, 404, 414, 500].map((st) => ex('cc', `checkcache GET pubmax ${st}`, G(`/pubmax/${st}`))),
  ex('cc', 'checkcache: 302 without public', G('/maxage/302')),
  ex('cc', 'checkcache: POST', POST('/exp', '')),
  ex('cc', 'checkcache: POST public', POST('/pubmax', '')),
  ex('cc', 'checkcache: OPTIONS', 'OPTIONS /exp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
  ex('cc', 'checkcache: keep-alive after a block', [KA('/exp', ''), G('/nocookie')], { pauseMs: 50 }),
  ex('pxh', 'use-proxy-header: proxied request gets 407', G('http://x/auth')),
  ex('pxh', 'use-proxy-header: Proxy-Authorization', G('http://x/auth', 'Proxy-Authorization: Basic dTpw\r\n')),
  ex('pxh', 'use-proxy-header: origin-form gets 401', G('/auth')),
  ex('pxh', 'use-proxy-header: Proxy-Connection is not the connection header', KA('http://x/a', 'Proxy-Connection: close\r\n')),
  ex('st', 'retry-on 503: second attempt answers', G('/503a')),
  ex('st', 'retry-on 503: POST replayed', POST('/503b', 'hello')),
  ex('st', 'retry-on 503: retries spent, last response forwarded', G('/503x1')),
  ex('st1', 'retry-on 503 with retries 1', G('/503x2')),
  ex('st', 'retry-on 503: body not complete at the first send', [POST('/503c', 'hello').slice(0, -3), 'llo'], { pauseMs: 50 }),
  ex('st', 'retry-on 503: body larger than a buffer', POST('/503d', 'y'.repeat(5000))),
  ex('st', 'retry-on 503: keep-alive client', [KA('/503e', ''), G('/503f')], { pauseMs: 50 }),
  ex('redisp', 'retry-on + redispatch: the other server, its name', G('/503g')),
  ex('redisp', 'retry-on empty-response + redispatch', G('/emptyr')),
  ex('empty', 'empty-response', G('/emptya')),
  ex('empty', 'empty-response: part of a head then close', G('/partiala')),
  ex('junk', 'junk-response: part of a head is not junk', G('/partialb')),
  ex('junk', 'junk-response: garbage', G('/garba')),
  ex('junk', 'junk-response: a close is not junk', G('/emptyb')),
  ex('to', 'response-timeout', G('/toa'), { idleMs: 800 }),
  ex('dis', 'disable-l7-retry', G('/off')),
  ex('noconn', 'retry-on without conn-failure: no connect retry', G('/x')),
  ex('none', 'retry-on none', G('/x')),
  // tune.http.maxhdr 10: 9 fields pass; tune.bufsize 4096 - maxrewrite 1024 bounds the head.
  ex('tune', 'maxhdr: 9 request fields', G('/x', hdrs(7))),
  ex('tune', 'maxhdr: 10 request fields', G('/x', hdrs(8))),
  ex('tune', 'bufsize - maxrewrite: largest request head', KA('/x', `X-Big: ${'a'.repeat(2949)}\r\n`)),
  ex('tune', 'bufsize - maxrewrite: one byte more', KA('/x', `X-Big: ${'a'.repeat(2950)}\r\n`)),
  ex('tune', 'maxhdr: 9 response fields', G('/h7')),
  ex('tune', 'maxhdr: 10 response fields', G('/h8')),
  ex('tune', 'bufsize - maxrewrite: largest response head', G('/b2938')),
  ex('tune', 'bufsize - maxrewrite: response one byte more', G('/b2939')),
];

describe('the last HTTP engine keywords: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  before(async () => {
    result = await differential({
      config: CONFIG,
      origins: {
        web: { kind: 'http' },
        bad: { kind: 'http', respond: bad },
        cache: { kind: 'http', respond: cache },
        flaky: { kind: 'http', respond: flaky },
        big: { kind: 'http', respond: big },
      },
      exchanges: EXCHANGES,
    });
  });

  it('every exchange and every origin connection match', () => assertExchangesAndOrigins(result, EXCHANGES));

  it('checkcache alerts as haproxy does', () => {
    assert.ok(result !== undefined);
    const line = 'Blocking cacheable cookie in response from instance cc, server s1.';
    assert.match(result.reference.output, new RegExp(line.replace(/\./g, '\\.')));
    assert.match(result.against.output, new RegExp(line.replace(/\./g, '\\.')));
  });
});
