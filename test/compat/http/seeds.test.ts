/**
 * Differential: the HTTP configurations of the seeds (../shared/seeds),
 * run through haproxy 2.6 and Switchyard with the same bytes.
 *
 * TLS termination lands with the TLS issue, so the `bind ... ssl crt`
 * lines of the seeds are plain binds here (`ssl_fc` is false on both
 * sides); everything else is the seeds' text with the addresses completed:
 * - seed 000: `redirect scheme https code 301 if !{ ssl_fc }`, forwardfor,
 *   http-server-close, and the websocket pool chosen by upgrade ACLs;
 * - seed 001: SSL offloading written for 2.x (`http-request add-header
 *   X-Forwarded-Proto https`, httpclose, forwardfor);
 * - seed 002: content switching on `hdr_beg(Host)` / `path_end` with `or`,
 *   HSTS;
 * - seed 003: the ProxyPass translation (`replace-path`, Location and
 *   Set-Cookie rewriting), X-Forwarded-Proto from `ssl_fc`, the 408 story
 *   (`timeout http-request`, `errorfile 408 /dev/null`), `cookie SRVID
 *   insert nocache`;
 * - seed 004: Host-based `use_backend %[req.hdr(host),lower,word(1,:)]_http`
 *   and `http-request redirect scheme https`.
 * The legacy spellings (`reqadd`, `rspirep`) are compared with their modern
 * translation in test/integration/http/legacy-rules.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { assertSameBehaviour, differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { comparableViews, EMPTY_VIEW } from '../../helpers/http-fixtures.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

function respond(req: RecordedRequest, o: { name: string }): OriginReply {
  switch (req.target) {
    case '/login':
      // An application answering with an absolute Location and a cookie for its own domain (seed 003).
      return {
        status: 302,
        reason: 'Found',
        headers: [
          ['Location', 'http://bk.dom.com:8000/home'],
          ['Set-Cookie', 'sid=1; Domain=bk.dom.com; Path=/'],
        ],
        body: '',
      };
    default:
      return { body: `${o.name} ${req.method} ${req.target}` };
  }
}

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s

# seed 000 "application_frontend" (ssl crt removed)
frontend application_frontend
  redirect scheme https code 301 if !{ ssl_fc }
  bind \${ADDR:app}
  mode http
  option forwardfor
  default_backend application_pool

# seed 000: the websocket side, chosen by the upgrade ACLs
frontend websocket_frontend
  bind \${ADDR:ws}
  option forwardfor
  acl is_websocket hdr(Upgrade) -i WebSocket
  acl is_websocket hdr_beg(Host) -i ws
  use_backend websocket_pool if is_websocket
  default_backend application_pool

backend application_pool
  mode http
  option http-server-close
  balance roundrobin
  server webserver01 \${ORIGIN:web1}
  server webserver02 \${ORIGIN:web2}

backend websocket_pool
  timeout tunnel 2s
  server ws1 \${ORIGIN:ws}

# seed 001 "SSL Offloading / Termination" (ssl crt removed)
frontend https_termination
  bind \${ADDR:term}
  mode http
  option httpclose
  option forwardfor
  http-request add-header X-Forwarded-Proto https
  default_backend ghostblog

backend ghostblog
  mode http
  server ghostblog.lan \${ORIGIN:web1}

# seed 002 "Content Switching in HAProxy" + HSTS
frontend ft_public
  bind \${ADDR:cs}
  acl static_domain  hdr_beg(Host) -i static. images.
  acl static_content path_end          -i .jpg .png .gif .css .js
  use_backend bk_static if static_domain or static_content
  default_backend bk_dynamic
  http-response set-header Strict-Transport-Security "max-age=16000000; includeSubDomains; preload;"

backend bk_static
  server varnish1 \${ORIGIN:web1}

backend bk_dynamic
  server app1 \${ORIGIN:web2}

# seed 003 "Configure ProxyPass and ProxyPassReverse in HAProxy"
frontend ft_global
  bind \${ADDR:pp}
  acl host_dom.com    req.hdr(Host) dom.com
  acl path_mirror_foo path -m beg   /mirror/foo/
  use_backend bk_myapp if host_dom.com path_mirror_foo

backend bk_myapp
  http-request set-header Host bk.dom.com
  http-request replace-path /mirror/foo/(.*) /\\1
  acl hdr_location res.hdr(Location) -m found
  http-response replace-header Location (https?://bk.dom.com(:[0-9]+)?)?(/.*) /mirror/foo\\3 if hdr_location
  acl hdr_set_cookie_dom res.hdr(Set-cookie) -m sub Domain= bk.dom.com
  http-response replace-header Set-Cookie (.*)\\ Domain=bk.dom.com(.*) \\1\\ Domain=dom.com\\2 if hdr_set_cookie_dom
  server app1 \${ORIGIN:web1}

# seed 003 "Client connection information provided in HTTP header"
frontend xfp
  bind \${ADDR:xfp}
  default_backend be_xfp

backend be_xfp
  http-request set-header X-Forwarded-Proto https if  { ssl_fc }
  http-request set-header X-Forwarded-Proto http  if !{ ssl_fc }
  server s1 \${ORIGIN:web1}

# seed 003 "HAProxy and HTTP errors 408 in Chrome"
frontend ft_408
  bind \${ADDR:t408}
  timeout http-request 300ms
  errorfile 408 /dev/null
  default_backend be_xfp

# seed 003: cookie persistence in front of the certificate-header backend
frontend ft_www
  bind \${ADDR:www}
  default_backend bk_www

backend bk_www
  cookie SRVID insert nocache
  server server1 \${ORIGIN:web1} cookie server1
  server server2 \${ORIGIN:web2} cookie server2

# seed 004 "Host-based backend selection" and the HTTPS redirect
frontend http-in
  bind \${ADDR:host}
  http-request redirect scheme https if { hdr(host) -i -m beg secure. }
  use_backend %[req.hdr(host),lower,word(1,:)]_http

backend site1.example.com_http
  server s1 \${ORIGIN:web1}
backend site2.example.com_http
  server s1 \${ORIGIN:web2}
`;

const GET = (path: string, extra = '', host = 'example.com'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
const CLOSE = 'Connection: close\r\n';

function ex(listener: string, name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange {
  return { listener, name, send, idleMs: 200, ...more };
}

/** A masked client text frame (RFC 6455 §5.2) with a fixed mask so both sides get the same bytes. */
function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const WS_UPGRADE = `GET /chat HTTP/1.1\r\nHost: app.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${WS_KEY}\r\n\r\n`;

const EXCHANGES: Exchange[] = [
  ex('app', 'seed 000: redirect scheme https code 301', GET('/page?x=1', '', 'app.example.com')),
  ex('ws', 'seed 000: websocket upgrade, one echoed frame', [WS_UPGRADE, wsFrame('hello')], { pauseMs: 100, idleMs: 300 }),
  ex('ws', 'seed 000: plain request goes to the application pool', [GET('/a', '', 'app.example.com'), GET('/b', CLOSE, 'app.example.com')], { pauseMs: 50 }),
  ex('term', 'seed 001: X-Forwarded-Proto https + forwardfor + httpclose', GET('/blog', '', 'blog.example.com')),
  ex('cs', 'seed 002: static by host', GET('/index.html', CLOSE, 'static.example.com')),
  ex('cs', 'seed 002: static by extension', GET('/img/logo.PNG', CLOSE, 'www.example.com')),
  ex('cs', 'seed 002: dynamic', GET('/cart', CLOSE, 'www.example.com')),
  ex('pp', 'seed 003: ProxyPass path rewrite', GET('/mirror/foo/bar?q=1', CLOSE, 'dom.com')),
  ex('pp', 'seed 003: ProxyPassReverse on Location and Set-Cookie', GET('/mirror/foo/login', CLOSE, 'dom.com')),
  ex('pp', 'seed 003: no match, 503', GET('/other', CLOSE, 'dom.com')),
  ex('xfp', 'seed 003: X-Forwarded-Proto http without TLS', GET('/x', CLOSE)),
  ex('t408', 'seed 003: errorfile 408 /dev/null closes silently', 'GET / HTTP/1.1\r\nHost: x\r\n', { idleMs: 1200 }),
  ex('www', 'seed 003: cookie insert nocache, first visit', GET('/w1', CLOSE)),
  ex('www', 'seed 003: cookie SRVID=server2 sticks', [GET('/w2', 'Cookie: SRVID=server2\r\n'), GET('/w3', `Cookie: SRVID=server2\r\n${CLOSE}`)], { pauseMs: 50 }),
  ex('www', 'seed 003: unknown cookie value', GET('/w4', `Cookie: SRVID=nosuch\r\n${CLOSE}`)),
  ex('host', 'seed 004: Host-based backend', GET('/h', CLOSE, 'SITE1.example.com')),
  ex('host', 'seed 004: Host with port', GET('/h', CLOSE, 'site2.example.com:8080')),
  ex('host', 'seed 004: unknown host, 503', GET('/h', CLOSE, 'nowhere.example.com')),
  ex('host', 'seed 004: redirect scheme https', GET('/login', CLOSE, 'secure.example.com')),
];

describe('the seeds in mode http: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  let ref = EMPTY_VIEW;
  let got = EMPTY_VIEW;
  before(async () => {
    result = await differential({
      config: CONFIG,
      origins: {
        web1: { kind: 'http', respond },
        web2: { kind: 'http', respond },
        ws: { kind: 'ws' },
      },
      exchanges: EXCHANGES,
    });
    ({ ref, got } = comparableViews(result));
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name ?? String(i), () => {
      assert.deepStrictEqual(got.clients[i], ref.clients[i], `switchyard output:\n${result?.against.output ?? ''}`);
    });
  }
  it('the websocket handshake was answered by the origin (sanity)', () => {
    const accept = createHash('sha1').update(`${WS_KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const text = result?.against.exchanges[1]?.response.toString('latin1') ?? '';
    assert.match(text, /^HTTP\/1\.1 101 /);
    assert.ok(text.includes(accept), text);
    assert.ok(text.endsWith('\x81\x05hello'), JSON.stringify(text));
  });
  it('origins received the same requests', () => {
    assert.deepStrictEqual(got.origins, ref.origins);
  });
  it('no "not enforced" warning for what the seeds use', () => {
    const lines = (result?.against.output ?? '').split('\n').filter((l) => /not enforced|cannot be evaluated/.test(l));
    assert.deepStrictEqual(lines, []);
  });
  it('all together', () => {
    assert.ok(result !== undefined);
    assertSameBehaviour(result);
  });
});
