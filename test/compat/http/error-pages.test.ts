/**
 * Differential: custom error pages through haproxy 2.6 and Switchyard with
 * the same configuration and client bytes (docs/error-pages.md). What each
 * client gets (status line, headers, body) and how its connection ends must
 * be identical, Date/Server and ports masked.
 *
 * Covered: errorfile (HTTP/1.0 and 1.1 files, with and without a length),
 * errorfiles (whole section, listed statuses), errorloc302/303, http-error
 * (string, lf-string, file, errorfile, errorfiles, default-errorfiles),
 * precedence by order, inheritance from defaults, backend page over the
 * frontend's, /dev/null (deny, 400, 408), the built-in 400/408 kept by the
 * H1 layer, deny/return with errorfile/errorfiles/default-errorfiles/status
 * alone/hdr, HEAD, HTTP/1.0 clients, 502/503/504 pages and tarpit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertSameBehaviour, differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { comparableViews, EMPTY_VIEW } from '../../helpers/http-fixtures.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { checkConfig } from '../../helpers/processes.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

/** The error files, written to a temporary directory (`${DIR}`). */
const FILES: Record<string, string> = {
  '503-10.http': 'HTTP/1.0 503 Custom Busy\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\nX-Mine:   yes  \r\n\r\n<h1>custom 503</h1>\n',
  '503-nolen.http': 'HTTP/1.1 503 NoLen\r\nX-A: a\r\n\r\nuntil close\n',
  '503-ten.http': 'HTTP/1.0 503 Ten\r\nContent-Length: 3\r\n\r\nka\n',
  '403.http': 'HTTP/1.1 403 Nope\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nnope\n',
  '403s.http': 'HTTP/1.1 403 From Section\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nsec3\n',
  '503s.http': 'HTTP/1.1 503 From Section\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nsec\n',
  '400.http': 'HTTP/1.1 400 Bad Custom\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbad\n',
  '408.http': 'HTTP/1.1 408 TO Custom\r\nContent-Length: 3\r\n\r\nto\n',
  '500.http': 'HTTP/1.1 500 Tarpit Custom\r\nContent-Length: 3\r\n\r\ntp\n',
  '502be.http': 'HTTP/1.1 502 BE\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nbe\n',
  '504.http': 'HTTP/1.1 504 GW\r\nContent-Length: 3\r\n\r\ngw\n',
  'body.txt': 'page from file\n',
  'body.lf': 'lf page %[path]\n',
  'empty.http': '',
};

function respond(req: RecordedRequest): OriginReply {
  if (req.target.endsWith('/garbage')) return { raw: 'HTTP/1.1 2OO Bad\r\n\r\n', close: true };
  if (req.target.endsWith('/hang')) return 'hang';
  return { body: 'ok' };
}

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 3s
  timeout server 300ms
  timeout http-request 300ms
  errorfile 504 \${DIR}/504.http

http-errors sec
  errorfile 503 \${DIR}/503s.http
  errorfile 403 \${DIR}/403s.http

frontend pages
  bind \${ADDR:pages}
  errorfile 503 \${DIR}/503-10.http
  errorfile 403 \${DIR}/403.http
  errorfile 400 \${DIR}/400.http
  errorfile 408 \${DIR}/408.http
  errorfile 502 \${DIR}/502be.http
  http-request deny if { path /deny }
  http-request deny errorfile \${DIR}/403s.http if { path /d-errorfile }
  http-request deny errorfiles sec if { path /d-errorfiles }
  http-request deny status 404 if { path /d-404 }
  http-request deny status 404 errorfiles sec if { path /d-404-sec }
  http-request deny deny_status 503 if { path /d-503 }
  http-request deny status 418 content-type text/plain string hello hdr x-a b hdr X-Up "%[path]" if { path /d-hdr }
  http-request return errorfile \${DIR}/403s.http if { path /r-errorfile }
  http-request return status 503 default-errorfiles if { path /r-default }
  http-request return status 503 errorfiles sec if { path /r-errorfiles }
  use_backend nosrv if { path /nosrv }
  use_backend be if { path_beg /be/ }
  use_backend resetbe if { path_beg /reset/ }
  default_backend web

frontend order1
  bind \${ADDR:order1}
  errorfile 403 \${DIR}/403.http
  errorfiles sec
  http-request deny
frontend order2
  bind \${ADDR:order2}
  errorfiles sec
  errorfile 403 \${DIR}/403.http
  http-request deny
frontend order3
  bind \${ADDR:order3}
  errorfiles sec 503
  http-error status 403 content-type text/plain string "from http-error"
  http-request deny
frontend order4
  bind \${ADDR:order4}
  errorfile 403 \${DIR}/403.http
  http-error status 403 default-errorfiles
  http-request deny
frontend loc302
  bind \${ADDR:loc302}
  errorloc 403 /blocked.html
  http-request deny
frontend loc303
  bind \${ADDR:loc303}
  errorloc303 503 http://err.example.com/503
  default_backend nosrv
frontend httperr
  bind \${ADDR:httperr}
  http-error status 503 content-type text/plain lf-string "no server for %[path]" hdr x-m "%[method]"
  http-error status 403 content-type text/plain file \${DIR}/body.txt
  http-error status 500 errorfile \${DIR}/500.http
  http-error status 404 errorfiles sec
  http-request deny if { path /deny }
  http-request deny deny_status 500 if { path /d500 }
  http-request deny deny_status 404 if { path /d404 }
  default_backend nosrv
frontend devnull
  bind \${ADDR:devnull}
  errorfile 403 /dev/null
  errorfile 400 \${DIR}/empty.http
  errorfile 408 /dev/null
  http-request deny if { path /deny }
  default_backend web
frontend nolen
  bind \${ADDR:nolen}
  errorfile 503 \${DIR}/503-nolen.http
  default_backend nosrv
frontend ten
  bind \${ADDR:ten}
  errorfile 503 \${DIR}/503-ten.http
  default_backend nosrv
frontend tarpit
  bind \${ADDR:tarpit}
  timeout tarpit 200ms
  errorfile 500 \${DIR}/500.http
  http-request tarpit if { path /t }
  http-request tarpit deny_status 503 if { path /t503 }
  http-request tarpit status 403 errorfile \${DIR}/403.http if { path /t403 }
  default_backend tarpitbe

backend web
  server s1 \${ORIGIN:web}
backend nosrv
backend be
  errorfile 502 \${DIR}/503s.http
  http-request deny if { path /be/deny }
  server s1 \${ORIGIN:web}
backend resetbe
  http-error status 502 default-errorfiles
  http-error status 403 content-type text/html lf-file \${DIR}/body.lf
  http-request deny if { path /reset/deny }
  server s1 \${ORIGIN:web}
backend tarpitbe
  http-request tarpit if { path /tb }
  server s1 \${ORIGIN:web}
`;

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;
const CLOSE = 'Connection: close\r\n';

function ex(listener: string, name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange {
  return { listener, name, send, idleMs: 150, ...more };
}

const EXCHANGES: Exchange[] = [
  ex('pages', 'deny: the frontend errorfile 403, keep-alive', [GET('/deny'), GET('/x', CLOSE)], { pauseMs: 50 }),
  ex('pages', 'deny errorfile <file>', GET('/d-errorfile', CLOSE)),
  ex('pages', 'deny errorfiles <section>', GET('/d-errorfiles', CLOSE)),
  ex('pages', 'deny status 404 alone: an empty 404', GET('/d-404', CLOSE)),
  ex('pages', 'deny status 404 errorfiles without a 404: empty', GET('/d-404-sec', CLOSE)),
  ex('pages', 'deny deny_status 503: the proxy page', GET('/d-503')),
  ex('pages', 'deny with string and hdr', GET('/d-hdr', CLOSE)),
  ex('pages', 'return errorfile', GET('/r-errorfile', CLOSE)),
  ex('pages', 'return default-errorfiles', GET('/r-default')),
  ex('pages', 'return errorfiles', GET('/r-errorfiles', CLOSE)),
  ex('pages', '503 errorfile HTTP/1.0 without length', GET('/nosrv')),
  ex('pages', '502 frontend errorfile', GET('/garbage')),
  ex('pages', '502 backend errorfile wins', GET('/be/garbage')),
  ex('pages', 'deny in the backend: frontend page used', GET('/be/deny', CLOSE)),
  ex('pages', 'backend default-errorfiles falls back to the frontend', GET('/reset/garbage')),
  ex('pages', 'backend lf-file page', GET('/reset/deny', CLOSE)),
  ex('pages', '504 inherited from defaults, keep-alive', [GET('/hang'), GET('/after', CLOSE)], { pauseMs: 450, idleMs: 200 }),
  ex('pages', 'HEAD on a custom page', `HEAD /deny HTTP/1.1\r\nHost: x\r\n${CLOSE}\r\n`),
  ex('pages', 'HTTP/1.0 client on a custom page', 'GET /deny HTTP/1.0\r\n\r\n'),
  ex('pages', 'bad request: built-in 400 despite errorfile', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'),
  ex('pages', 'timeout http-request: built-in 408 despite errorfile', 'GET / HTTP/1.1\r\nHost: x\r\n', { idleMs: 700 }),
  ex('order1', 'errorfile then errorfiles: the section', GET('/', CLOSE)),
  ex('order2', 'errorfiles then errorfile: the file', GET('/', CLOSE)),
  ex('order3', 'errorfiles <codes> then http-error', GET('/', CLOSE)),
  ex('order4', 'http-error default-errorfiles resets', GET('/', CLOSE)),
  ex('loc302', 'errorloc', GET('/', CLOSE)),
  ex('loc303', 'errorloc303', GET('/', CLOSE)),
  ex('httperr', 'http-error lf-string and hdr', GET('/some/path', CLOSE)),
  ex('httperr', 'http-error file', GET('/deny', CLOSE)),
  ex('httperr', 'http-error errorfile', GET('/d500', CLOSE)),
  ex('httperr', 'http-error errorfiles without the status', GET('/d404', CLOSE)),
  ex('devnull', 'deny to /dev/null: silent close', GET('/deny')),
  ex('devnull', 'empty 400 page: silent close', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'),
  ex('devnull', '408 to /dev/null: silent close', 'GET / HTTP/1.1\r\nHost: x\r\n', { idleMs: 700 }),
  ex('nolen', '1.1 page without length: connection: close', GET('/')),
  ex('nolen', 'HEAD on a page without length', `HEAD / HTTP/1.1\r\nHost: x\r\n\r\n`),
  ex('ten', '1.0 page with length to a 1.1 client: keep-alive header', GET('/')),
  ex('ten', '1.0 page to a 1.0 client', 'GET / HTTP/1.0\r\n\r\n'),
  ex('tarpit', 'tarpit: errorfile 500 after the delay, keep-alive', [GET('/t'), GET('/x', CLOSE)], { pauseMs: 350, idleMs: 200 }),
  ex('tarpit', 'tarpit deny_status 503', GET('/t503', CLOSE), { idleMs: 400 }),
  ex('tarpit', 'tarpit errorfile', GET('/t403', CLOSE), { idleMs: 400 }),
  ex('tarpit', 'tarpit in the backend', GET('/tb', CLOSE), { idleMs: 1300 }),
  ex('tarpit', 'tarpit on HTTP/1.0', 'GET /t HTTP/1.0\r\n\r\n', { idleMs: 400 }),
  ex('tarpit', 'tarpit with a half-closed client', GET('/t'), { halfClose: true, idleMs: 400 }),
];

describe('error pages: haproxy 2.6 and Switchyard', { skip }, () => {
  let dir = '';
  let result: DifferentialResult | undefined;
  let ref = EMPTY_VIEW;
  let got = EMPTY_VIEW;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-errpages-'));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text, 'latin1');
    result = await differential({
      config: CONFIG,
      vars: { DIR: dir },
      origins: { web: { kind: 'http', respond } },
      exchanges: EXCHANGES,
    });
    ({ ref, got } = comparableViews(result));
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name ?? String(i), () => {
      assert.deepStrictEqual(got.clients[i], ref.clients[i], `switchyard output:\n${result?.against.output ?? ''}`);
    });
  }
  it('no "not enforced" warning for the error page keywords', () => {
    const lines = (result?.against.output ?? '').split('\n').filter((l) => /not enforced/.test(l) && /error|tarpit/.test(l));
    assert.deepStrictEqual(lines, []);
  });
  it('all together (connections ending, origins)', () => {
    assert.ok(result !== undefined);
    assertSameBehaviour(result, { ignoreOrigins: ['web'] });
  });
});

/** `-c` verdicts on error-page references (http_htx.c http_check_http_reply(), http_parse_http_reply()). */
const CHECKS: Record<string, string> = {
  'deny status 418 default-errorfiles is refused': 'http-request deny status 418 default-errorfiles',
  'unknown section named by a rule is fatal': 'http-request deny errorfiles nope',
  'status missing from the section is a warning': 'http-request return status 404 errorfiles sec',
};

describe('error pages: -c verdicts of haproxy 2.6 and Switchyard', { skip }, () => {
  for (const [name, rule] of Object.entries(CHECKS)) {
    it(name, async () => {
      const cfg = `defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\nhttp-errors sec\n  errorfile 403 /dev/null\nfrontend f\n  bind 127.0.0.1:1\n  ${rule}\n`;
      const [h, y] = await Promise.all([checkConfig('haproxy', cfg), checkConfig('switchyard', cfg)]);
      assert.equal(y.code, h.code);
      // The proxy messages and those with a place; the closing summary lines are the loader's, not compared here.
      const msgs = (r: typeof h): string[] =>
        [...r.alerts, ...r.warnings]
          .filter((d) => d.line !== undefined || d.message.startsWith('Proxy '))
          .map((d) => `${d.severity} ${d.line ?? ''} ${d.message.replace(/\[[^\]]*haproxy\.cfg:/, '[cfg:')}`)
          .sort();
      assert.deepEqual(msgs(y), msgs(h));
    });
  }
});
