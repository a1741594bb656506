/**
 * Differential audit of issue 6 §Protocol, §Websockets and §Bad input through
 * the whole proxy (haproxy 2.6 and Switchyard, same configuration, origin
 * and client bytes): 100-continue, 103 and other 1xx, trailers both ways,
 * pipelined bodies, absolute-form and asterisk-form targets, header case and
 * order, websocket upgrades refused by the server or answered without a
 * request for them, and each request-smuggling class of the issue — refused
 * (or forwarded) with the same status, page, log line and origin bytes.
 * test/compat/http/h1-verdicts.test.ts compares the parser's verdicts alone;
 * this file checks what the client, the origin and the log see end to end.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { comparableViews } from '../../helpers/http-fixtures.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `
global
  log stdout format raw local0
defaults
  mode http
  log global
  log-format "LOG %ft %b/%s %ST %B %ts %{+Q}r"
  timeout connect 1s
  timeout client 2s
  timeout server 1s
  timeout http-request 1s
frontend fe
  bind \${ADDR:fe}
  default_backend be
backend be
  server s1 \${ORIGIN:web}
`;

const WS_101 = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

function respond(req: RecordedRequest): OriginReply {
  switch (req.target) {
    case '/early':
      return { raw: 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' };
    case '/trailers':
      return { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: t1\r\nX-Other: t2\r\n\r\n' };
    case '/ws-refused':
      return { status: 200, body: 'no upgrade' };
    case '/ws-426':
      return { status: 426, headers: { Upgrade: 'websocket' }, body: 'upgrade required' };
    case '/ws-unasked':
      return { raw: WS_101, close: false };
    case '/bad-cl-te':
      return { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n' };
    case '/bad-cl-dup':
      return { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok', close: true };
    case '/bad-chunk':
      return { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n', close: true };
    case '/bad-name':
      return { raw: 'HTTP/1.1 200 OK\r\nX(y): 1\r\nContent-Length: 2\r\n\r\nok', close: true };
    case '/bad-fold':
      return { raw: 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok', close: true };
    default:
      return { body: `${req.method} ${req.target}` };
  }
}

const C = 'Connection: close\r\n';
const G = (path: string, extra = '', host = 'x'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
const P = (path: string, headers: string, body: string): string => `POST ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n${body}`;
const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');

function ex(name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange {
  return { listener: 'fe', name, send, ...more };
}

const EXCHANGES: Exchange[] = [
  // Protocol conformance
  ex('Expect: 100-continue, body after the interim response', [P('/continue', `Expect: 100-continue\r\nContent-Length: 5\r\n${C}`, ''), 'hello'], { pauseMs: 200 }),
  ex('103 and 102 interim responses forwarded before the final one', G('/early', C)),
  ex('response trailers', G('/trailers', C)),
  ex('request trailers', P('/rt', `Transfer-Encoding: chunked\r\n${C}`, '3\r\nabc\r\n0\r\nX-Req-Trailer: 1\r\n\r\n')),
  ex('pipelined requests with bodies', P('/p1', 'Content-Length: 3\r\n', 'abc') + P('/p2', `Transfer-Encoding: chunked\r\n${C}`, '2\r\nde\r\n0\r\n\r\n')),
  ex('absolute-form target', G('http://example.com/abs?x=1', C, 'example.com')),
  ex('absolute-form target with a different Host', G('http://example.com:8080/abs', C, 'other.example')),
  ex('asterisk-form target', `OPTIONS * HTTP/1.1\r\nHost: x\r\n${C}\r\n`),
  ex('header case and order', G('/order', `X-B: 1\r\nx-a: 2\r\nX-B: 3\r\nX-MiXeD: Value With  Spaces\r\n${C}`)),
  ex('Connection header tokens removed', G('/conn', `Connection: X-Hop, close\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n`)),
  ex('HTTP/1.0 keep-alive then HTTP/1.1', ['GET /k1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', G('/k2', C)], { pauseMs: 100 }),
  // Websockets
  ex('upgrade refused by the server (200): HTTP goes on', [G('/ws-refused', UPGRADE), G('/after', C)], { pauseMs: 150 }),
  ex('upgrade refused by the server (426)', G('/ws-426', UPGRADE + C)),
  ex('101 without an upgrade request', G('/ws-unasked', C), { idleMs: 500 }),
  ex('upgrade without Connection: Upgrade', G('/ws-noconn', `Upgrade: websocket\r\n${C}`)),
  // Request smuggling and bad requests
  ex('CL and TE: TE wins, CL dropped', P('/cl-te', 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', `3\r\nabc\r\n0\r\n\r\n${G('/smuggled', C)}`)),
  ex('differing Content-Lengths', P('/cl2', 'Content-Length: 3\r\nContent-Length: 4\r\n', 'abcd')),
  ex('Content-Length list with different values', P('/cl3', 'Content-Length: 3, 4\r\n', 'abcd')),
  ex('bad chunk size', P('/chunk', 'Transfer-Encoding: chunked\r\n', 'zz\r\nabc\r\n0\r\n\r\n')),
  ex('TE other than chunked last', P('/te', 'Transfer-Encoding: chunked, gzip\r\n', '3\r\nabc\r\n0\r\n\r\n')),
  ex('invalid character in a header name', G('/n', 'X(A): b\r\n')),
  ex('space before the colon', G('/sp', 'Host : y\r\n')),
  ex('obs-fold', G('/fold', `X-A: a\r\n b\r\n${C}`)),
  ex('bare CR in a value', G('/cr', 'X-A: a\rb\r\n')),
  ex('bare LF line ends', `GET /lf HTTP/1.1\nHost: x\nConnection: close\n\n`),
  ex('NUL in a header name', G('/nul', 'X-\0A: b\r\n')),
  ex('over-long request line', `GET /${'a'.repeat(17000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
  ex('over-long header', G('/long', `X-Long: ${'b'.repeat(17000)}\r\n`)),
  ex('too many headers (tune.http.maxhdr 101)', G('/many', fields(101))),
  ex('HTTP/1.1 without Host', 'GET /nohost HTTP/1.1\r\nConnection: close\r\n\r\n'),
  ex('two Host headers', G('/hosts', `Host: y\r\n${C}`)),
  ex('invalid version', 'GET / HTTP/1.x\r\nHost: x\r\n\r\n'),
  ex('invalid method character', 'G(ET / HTTP/1.1\r\nHost: x\r\n\r\n'),
  // Bad responses
  ex('response with CL and TE', G('/bad-cl-te', C)),
  ex('response with differing Content-Lengths', G('/bad-cl-dup', C)),
  ex('response with a bad chunk size', G('/bad-chunk', C)),
  ex('response with an invalid header name', G('/bad-name', C)),
  ex('response with obs-fold', G('/bad-fold', C)),
];

/** Every request an origin received, whatever the connection (bodies without a final LF do not glue to the next request). */
function requests(conns: unknown): string[] {
  const text = ((conns ?? []) as string[][]).map((c) => c.join('\n')).join('\n');
  return text.split(/(?=\b(?:GET|POST|OPTIONS) \S+ HTTP\/1\.[01]\\r)/).map((r) => r.trim()).filter((r) => r !== '').sort();
}

/** The log lines a side printed (`LOG ...`), masked the way the log tests mask them. */
function logLines(output: string): string[] {
  return output.split('\n').filter((l) => l.startsWith('LOG ')).map((l) => l.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:P'));
}

describe('issue 6 protocol, websockets and bad input, end to end: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  before(async () => {
    result = await differential({ config: CONFIG, origins: { web: { kind: 'http', respond } }, exchanges: EXCHANGES, settleMs: 150 });
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name!, () => {
      assert.ok(result !== undefined);
      const { ref, got } = comparableViews(result);
      assert.deepEqual(got.clients[i], ref.clients[i]);
    });
  }
  it('the origin received the same requests', () => {
    assert.ok(result !== undefined);
    const { ref, got } = comparableViews(result);
    assert.deepEqual(requests(got.origins['web']), requests(ref.origins['web']));
  });
  it('the same log lines (status, bytes, termination state, request line)', () => {
    assert.ok(result !== undefined);
    const ref = logLines(result.reference.output).sort();
    const got = logLines(result.against.output).sort();
    // Multiset difference: repeated lines (several <BADREQ>) must repeat as often on both sides.
    const onlyGot = [...got];
    const onlyRef = ref.filter((l) => {
      const k = onlyGot.indexOf(l);
      if (k < 0) return true;
      onlyGot.splice(k, 1);
      return false;
    });
    if (onlyRef.length + onlyGot.length > 0) assert.fail(`haproxy only:\n${onlyRef.join('\n')}\nswitchyard only:\n${onlyGot.join('\n')}`);
  });
});
