/**
 * Differential: cookie persistence and the server-selection rules
 * (configuration.txt §4.2 "cookie", "server ... cookie", "dynamic-cookie-key",
 * "option persist", "force-persist", "ignore-persist", "use-server") through
 * haproxy 2.6 and Switchyard with the same bytes: the same server chosen for
 * the same cookie, the same Set-Cookie / Cache-control bytes (the current
 * date stamp of maxidle/maxlife masked), the same request at the server.
 *
 * One proxy run per side, one listen section per feature; each exchange is
 * one client connection (`Connection: close`). The origins answer with the
 * headers listed in the request's `X-Resp` header (`|`-separated), so each
 * exchange says what the server sets.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameBehaviour, differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { comparableViews, EMPTY_VIEW } from '../../helpers/http-fixtures.js';
import { header, type HeaderList } from '../../helpers/h1-messages.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { freePort } from '../../helpers/processes.js';
import { s30tob64 } from '../../../src/http/cookie-values.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

/** 200 with the origin's name and the request's `X-Resp` headers; `X-Status` sets the status. */
function respond(req: RecordedRequest, o: { name: string }): OriginReply {
  const headers: HeaderList = [];
  for (const h of (header(req.headers, 'x-resp') ?? '').split('|')) {
    const i = h.indexOf(':');
    if (i > 0) headers.push([h.slice(0, i), h.slice(i + 1).trim()]);
  }
  const status = Number(header(req.headers, 'x-status') ?? '200');
  return { status, headers, body: `${o.name} ${req.method} ${req.target}` };
}

const CONFIG = `
global
  maxconn 100

defaults
  mode http
  timeout connect 500ms
  timeout client 2s
  timeout server 2s

listen ins
  bind \${ADDR:ins}
  cookie SRVID insert indirect nocache httponly secure domain .example.com domain .example.org attr SameSite=Lax
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b

listen plain
  bind \${ADDR:plain}
  cookie SRVID insert
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2}

listen dates
  bind \${ADDR:dates}
  cookie SRVID insert indirect maxidle 1h maxlife 8h
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b

listen rw
  bind \${ADDR:rw}
  cookie SRVID rewrite
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b

listen pfx
  bind \${ADDR:pfx}
  cookie JSESSIONID prefix
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b

listen psv
  bind \${ADDR:psv}
  cookie SRVID insert preserve
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b

listen passive
  bind \${ADDR:passive}
  cookie SRVID indirect
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b

listen post
  bind \${ADDR:post}
  cookie SRVID insert postonly
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b

listen dyn
  bind \${ADDR:dyn}
  cookie SRVID insert dynamic
  dynamic-cookie-key s3cr3t
  server s1 \${ORIGIN:web1}
  server s2 \${ORIGIN:web2} cookie fixed

listen down
  bind \${ADDR:down}
  cookie SRVID insert indirect
  force-persist if { hdr(x-force) -m found }
  ignore-persist if { path_beg /static }
  server s1 \${ORIGIN:web1} cookie a disabled
  server s2 \${ORIGIN:web2} cookie b

listen downp
  bind \${ADDR:downp}
  option persist
  cookie SRVID insert indirect
  server s1 \${ORIGIN:web1} cookie a disabled
  server s2 \${ORIGIN:web2} cookie b

listen dead
  bind \${ADDR:dead}
  option persist
  option redispatch
  retries 1
  cookie SRVID insert indirect
  server s1 127.0.0.1:\${DEAD} cookie a disabled
  server s2 \${ORIGIN:web2} cookie b

listen us
  bind \${ADDR:us}
  cookie SRVID insert indirect
  use-server s2 if { path_beg /two }
  use-server s1 if { path_beg /one }
  use-server s3 if { path_beg /three }
  use-server s2 if { path_beg /three }
  server s1 \${ORIGIN:web1} cookie a
  server s2 \${ORIGIN:web2} cookie b
  server s3 \${ORIGIN:web1} cookie c disabled

listen usdyn
  bind \${ADDR:usdyn}
  use-server %[req.hdr(x-srv)] if { req.hdr(x-srv) -m found }
  server s1 \${ORIGIN:web1}
  server s2 \${ORIGIN:web2}

listen ustcp
  mode tcp
  bind \${ADDR:ustcp}
  use-server t2 if { src 127.0.0.1 }
  server t1 \${ORIGIN:web1}
  server t2 \${ORIGIN:web2}
`;

const req = (method: string, path: string, extra = ''): string =>
  `${method} ${path} HTTP/1.1\r\nHost: www.example.com\r\n${extra}Connection: close\r\n\r\n`;
const GET = (path: string, extra = ''): string => req('GET', path, extra);
const resp = (...h: string[]): string => `X-Resp: ${h.join('|')}\r\n`;
const ETAG = 'ETag: "v1"';

const now = Math.floor(Date.now() / 1000);
/** A date stamp as haproxy writes it (4-second units). */
const stamp = (t: number): string => s30tob64(Math.floor(t / 4));
// A last-seen date ahead of now (less than a day) needs no refresh; one in the past is refreshed.
const AHEAD = `a|${stamp(now + 400)}|${stamp(now - 3600)}`;
const SEEN = `a|${stamp(now - 100)}|${stamp(now - 3600)}`;
const IDLE = `a|${stamp(now - 7200)}|${stamp(now - 7200)}`;
const OLD = `a|${stamp(now)}|${stamp(now - 9 * 3600)}`;
/** The stamps a proxy may write during the test run (the next two minutes). */
const CURRENT_STAMP = new RegExp(
  `\\|(${Array.from({ length: 32 }, (_, i) => stamp(now + i * 4).replace(/[+/]/g, (c) => `\\${c}`)).join('|')})`,
  'g',
);

function ex(listener: string, name: string, send: Exchange['send'], idleMs = 150): Exchange {
  return { listener, name, send, idleMs };
}

const EXCHANGES: Exchange[] = [
  ex('ins', 'insert: first visit gets a cookie, nocache adds private on a cacheable response', GET('/i1', resp(ETAG))),
  ex('ins', 'insert: an uncacheable response gets no Cache-control', GET('/i2', resp('Cache-Control: no-store'))),
  ex('ins', 'insert indirect: a valid cookie is stripped and not set again', GET('/i3', `Cookie: x=1; SRVID=b; y=2\r\n${resp(ETAG)}`)),
  ex('ins', "insert indirect: the server's own SRVID cookie is deleted on direct access", GET('/i4', `Cookie: SRVID=a\r\n${resp('Set-Cookie: SRVID=app; path=/', 'Set-Cookie: other=1')}`)),
  ex('ins', 'insert: unknown value balances and sets the cookie', GET('/i5', `Cookie: SRVID=zz\r\n${resp(ETAG)}`)),
  ex('ins', 'insert: spaces, $ attributes, quotes and two Cookie headers', GET('/i6', `Cookie: $Version=1; a = "x;SRVID=a" ;  SRVID = b ;z\r\nCookie: SRVID=a\r\n`)),
  ex('ins', 'insert: POST is not cacheable, but public re-enables caching', req('POST', '/i7', resp('Cache-Control: public, max-age=5'))),
  ex('ins', 'insert: 302 is not cacheable by default', GET('/i8', `X-Status: 302\r\n${resp(ETAG)}`)),
  ex('plain', 'insert without indirect: the cookie reaches the server', GET('/p1', 'Cookie: SRVID=a\r\n')),
  ex('plain', 'insert: a server without cookie expires it', GET('/p2', 'Cookie: SRVID=zz\r\n')),
  ex('plain', 'insert: a server without cookie expires it (2)', GET('/p3')),
  ex('dates', 'maxidle/maxlife: first visit gets both dates', GET('/d1')),
  ex('dates', 'maxidle: a last-seen date ahead needs no refresh', GET('/d2', `Cookie: SRVID=${AHEAD}\r\n`)),
  ex('dates', 'maxidle: a past last-seen date is refreshed, the first date kept', GET('/d2b', `Cookie: SRVID=${SEEN}\r\n`)),
  ex('dates', 'maxidle: an idle cookie is ignored', GET('/d3', `Cookie: SRVID=${IDLE}\r\n`)),
  ex('dates', 'maxlife: an old cookie is ignored', GET('/d4', `Cookie: SRVID=${OLD}\r\n`)),
  ex('dates', 'dates: a cookie without dates gets them', GET('/d5', 'Cookie: SRVID=b\r\n')),
  ex('rw', "rewrite: the server's cookie value becomes the server's", GET('/r1', resp('Set-Cookie: SRVID=app; path=/; HttpOnly'))),
  ex('rw', 'rewrite: the cookie chooses the server and reaches it', GET('/r2', `Cookie: SRVID=a\r\n${resp('Set-Cookie: SRVID=app')}`)),
  ex('pfx', 'prefix: the server cookie is prefixed', GET('/x1', resp('Set-Cookie: JSESSIONID=abc123; path=/'))),
  ex('pfx', 'prefix: the prefix chooses the server and is stripped', GET('/x2', `Cookie: a=1; JSESSIONID=b~abc123; c=2\r\n${resp('Set-Cookie: JSESSIONID=def')}`)),
  ex('pfx', 'prefix: a value without ~ is matched whole', GET('/x3', 'Cookie: JSESSIONID=a\r\n')),
  ex('psv', 'preserve: the server cookie is kept and nothing inserted', GET('/v1', resp('Set-Cookie: SRVID=logout; Max-Age=0'))),
  ex('psv', 'preserve: without a server cookie, insert', GET('/v2')),
  ex('passive', 'passive indirect: the server cookie is removed on direct access', GET('/s1', `Cookie: SRVID=b\r\n${resp('Set-Cookie: SRVID=b')}`)),
  ex('passive', 'passive: kept without direct access', GET('/s2', resp('Set-Cookie: SRVID=b'))),
  ex('post', 'postonly: no cookie on GET', GET('/o1')),
  ex('post', 'postonly: a cookie on POST', req('POST', '/o2', 'Content-Length: 0\r\n')),
  ex('dyn', 'dynamic: the hash of key, address and port', GET('/y1')),
  ex('dyn', 'dynamic: an explicit cookie wins', GET('/y2')),
  ex('down', 'a disabled server: its cookie is ignored', GET('/n1', 'Cookie: SRVID=a\r\n')),
  ex('down', 'force-persist: the disabled server is used', GET('/n2', 'Cookie: SRVID=a\r\nX-Force: 1\r\n')),
  ex('down', 'ignore-persist: the cookie is not used and nothing inserted', GET('/static/n3', 'Cookie: SRVID=b\r\n')),
  ex('down', 'ignore-persist: no cookie', GET('/static/n4')),
  ex('downp', 'option persist: the disabled server is used', GET('/q1', 'Cookie: SRVID=a\r\n')),
  ex('dead', 'option persist + redispatch: a dead server is left for another one', GET('/z1', 'Cookie: SRVID=a\r\n'), 2000),
  ex('us', 'use-server: chosen server, no cookie inserted', GET('/two')),
  ex('us', 'use-server: wins over the cookie, which is still stripped', GET('/one', 'Cookie: SRVID=b\r\n')),
  ex('us', 'use-server: a disabled server lets the next rule apply', GET('/three')),
  ex('us', 'use-server: no rule, the cookie applies', GET('/four', 'Cookie: SRVID=b\r\n')),
  ex('usdyn', 'use-server with a log-format name', GET('/u1', 'X-Srv: s2\r\n')),
  ex('usdyn', 'use-server with a log-format name (2)', GET('/u2', 'X-Srv: s2\r\n')),
  ex('usdyn', 'use-server with a log-format naming no server: the balancer', GET('/u3', 'X-Srv: nope\r\n')),
  ex('ustcp', 'use-server in mode tcp', GET('/t1')),
];

describe('cookie persistence and use-server: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  let ref = EMPTY_VIEW;
  let got = EMPTY_VIEW;
  // The current date stamp differs between the two runs; the others are the test's own.
  const masks = { regexes: [[CURRENT_STAMP, '|<NOW>'] as const] };
  before(async () => {
    result = await differential({
      config: CONFIG,
      origins: { web1: { kind: 'http', respond }, web2: { kind: 'http', respond } },
      exchanges: EXCHANGES,
      vars: { DEAD: String(await freePort()) },
      masks,
    });
    ({ ref, got } = comparableViews(result, masks));
    if (process.env['COOKIE_DUMP'] === '1') console.log(JSON.stringify(ref, null, 1));
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name ?? String(i), () => {
      assert.deepStrictEqual(got.clients[i], ref.clients[i]);
    });
  }
  it('the origins received the same requests', () => {
    assert.deepStrictEqual(got.origins, ref.origins);
  });
  it('no "not enforced" warning', () => {
    const lines = (result?.against.output ?? '').split('\n').filter((l) => /not enforced|cannot be evaluated/.test(l));
    assert.deepStrictEqual(lines, []);
  });
  it('all together', () => {
    assert.ok(result !== undefined);
    assertSameBehaviour(result);
  });
});
