/**
 * The HTTP/1 parser, head view, writer and built-in error pages, fed raw
 * bytes. haproxy's verdicts themselves are checked against the real haproxy
 * in test/compat/http/h1-verdicts.test.ts; here: the API contract (events,
 * pauses, resumption across buffers, tunnels), the head helpers, the writer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { defaultErrorBody, rawErrorMessage, renderedErrorMessage, DEFAULT_ERROR_STATUSES } from '../../../src/http/default-errors.js';
import { H1_VERDICTS, type H1ErrorCode } from '../../../src/http/h1-errors.js';
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_NONE,
  BODY_TUNNEL,
  BODY_UNTIL_CLOSE,
  HDR_DROPPED,
  METHOD_CONNECT,
  METHOD_GET,
  TARGET_ABSOLUTE,
  TARGET_ASTERISK,
  TARGET_AUTHORITY,
  type H1Head,
} from '../../../src/http/h1-head.js';
import { H1Parser, haproxyContentLength, REQ_CONNECT, REQ_HEAD, REQ_UPGRADE, requestInfo, type H1ParserOptions } from '../../../src/http/h1-parser.js';
import { chunkHeader, encodeChunk, LAST_CHUNK, writeCanonical, writeHead, writeLastChunk } from '../../../src/http/h1-writer.js';
import { REPO_ROOT } from '../../helpers/paths.js';

interface Log {
  events: string[];
  heads: H1Head[];
  error: string | undefined;
  consumed: number;
}

/** Feeds `input` (whole, or in pieces re-presenting the unconsumed bytes in a fresh Buffer) and logs events. */
function run(opts: H1ParserOptions, input: string | Buffer, pieces?: number[], setup?: (p: H1Parser) => void): Log {
  const log: Log = { events: [], heads: [], error: undefined, consumed: 0 };
  const p = new H1Parser(opts, {
    onHead(h) {
      log.events.push(`head ${writeHead(h).toString('latin1').split('\r\n')[0]} body=${h.bodyKind}`);
      log.heads.push(h.detach());
    },
    onData(b, s, e) {
      log.events.push(`data ${b.toString('latin1', s, e)}`);
    },
    onTrailers(t) {
      log.events.push(`trailers ${t.toCanonical().headers.map(([n, v]) => `${n}=${v}`).join(',')}`);
    },
    onEnd() {
      log.events.push('end');
    },
  });
  setup?.(p);
  const all = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const cuts = pieces ?? [all.length];
  let pending = Buffer.alloc(0);
  let at = 0;
  for (const cut of [...cuts, all.length]) {
    if (cut < at) continue;
    const chunk = all.subarray(at, cut);
    at = cut;
    // a new Buffer each time, with 3 bytes of junk before: offsets must be rebased
    const buf = Buffer.concat([Buffer.from('zzz'), pending, chunk]);
    const n = p.feed(buf, 3, buf.length);
    if (n < 0) {
      log.error = p.error?.code;
      return log;
    }
    log.consumed += n;
    pending = Buffer.from(buf.subarray(3 + n));
  }
  return log;
}

const REQ = { kind: 'request' } as const;
const RESP = { kind: 'response' } as const;

describe('requests', () => {
  test('a GET: head accessors without copying', () => {
    const l = run(REQ, 'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Multi: 1\r\nx-multi: 2\r\nConnection: keep-alive, Foo\r\n\r\n');
    assert.deepEqual(l.events, ['head GET /a?b=c HTTP/1.1 body=0', 'end']);
    const h = l.heads[0]!;
    assert.equal(h.methodName(), 'GET');
    assert.equal(h.method, METHOD_GET);
    assert.equal(h.target(), '/a?b=c');
    assert.equal(h.versionText(), 'HTTP/1.1');
    assert.equal(h.getHeader('HOST'), 'example.com');
    assert.deepEqual(h.getHeaders('x-multi'), ['1', '2']);
    assert.deepEqual(h.connectionTokens(), ['keep-alive', 'foo']);
    assert.equal(h.keepAlive, true);
    assert.equal(h.http11, true);
    const seen: string[] = [];
    h.forEachHeader((n, v) => seen.push(`${n}:${v}`));
    assert.deepEqual(seen, ['Host:example.com', 'X-Multi:1', 'x-multi:2', 'Connection:keep-alive, Foo']);
    assert.equal(writeHead(h).toString('latin1'), 'GET /a?b=c HTTP/1.1\r\nhost: example.com\r\nx-multi: 1\r\nx-multi: 2\r\nconnection: Foo\r\n\r\n');
  });

  test('keep-alive rules (RFC 9112 §9.3)', () => {
    const ka = (s: string): boolean => run(REQ, s).heads[0]!.keepAlive;
    assert.equal(ka('GET / HTTP/1.1\r\n\r\n'), true);
    assert.equal(ka('GET / HTTP/1.1\r\nConnection: close\r\n\r\n'), false);
    assert.equal(ka('GET / HTTP/1.0\r\n\r\n'), false);
    assert.equal(ka('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'), true);
    assert.equal(ka('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n0\r\n\r\n'), false);
  });

  test('target forms', () => {
    assert.equal(run(REQ, 'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n').heads[0]!.targetForm, TARGET_ABSOLUTE);
    assert.equal(run(REQ, 'OPTIONS * HTTP/1.1\r\n\r\n').heads[0]!.targetForm, TARGET_ASTERISK);
    const c = run(REQ, 'CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n').heads[0]!;
    assert.equal(c.targetForm, TARGET_AUTHORITY);
    assert.equal(c.method, METHOD_CONNECT);
    assert.equal(c.getHeader('host'), 'a.com', 'default port removed from Host as haproxy does');
  });

  test('Content-Length body, then a pipelined request', () => {
    const l = run(REQ, 'POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /g HTTP/1.1\r\n\r\n');
    assert.deepEqual(l.events, ['head POST /p HTTP/1.1 body=1', 'data abc', 'end', 'head GET /g HTTP/1.1 body=0', 'end']);
  });

  test('chunked body with extensions and trailers', () => {
    const l = run(REQ, 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n00a\r\n0123456789\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n');
    assert.deepEqual(l.events, ['head POST / HTTP/1.1 body=2', 'data abc', 'data 0123456789', 'trailers X-T=1,X-U=2', 'end']);
  });

  test('every split point gives the same events, with the unconsumed bytes re-presented in new Buffers', () => {
    const msg = 'GET / HTTP/1.1\r\nHost: x\r\nX-F: a\r\n  b\r\n\r\nPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nT: v\r\n\r\n\r\nGET /x HTTP/1.0\r\n\r\n';
    const whole = run(REQ, msg);
    const merge = (ev: string[]): string[] => ev.reduce<string[]>((acc, e) => {
      const last = acc[acc.length - 1];
      if (e.startsWith('data ') && last?.startsWith('data ')) acc[acc.length - 1] = last + e.slice(5);
      else acc.push(e);
      return acc;
    }, []);
    for (let i = 0; i <= msg.length; i++) {
      const l = run(REQ, msg, [i]);
      assert.deepEqual(merge(l.events), merge(whole.events), `split at ${i}`);
    }
    const bytewise = run(REQ, msg, Array.from({ length: msg.length }, (_, i) => i));
    assert.deepEqual(merge(bytewise.events), merge(whole.events), 'byte by byte');
  });

  test('onHead returning false pauses before the body; onEnd returning false before the next message', () => {
    const buf = Buffer.from('POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET / HTTP/1.1\r\n\r\n');
    const ev: string[] = [];
    let pauseHead = true;
    const p = new H1Parser(REQ, {
      onHead: (h) => {
        ev.push(`head ${h.target()}`);
        return !pauseHead;
      },
      onData: (b, s, e) => void ev.push(`data ${b.toString('latin1', s, e)}`),
      onTrailers: () => undefined,
      onEnd: () => {
        ev.push('end');
        return false;
      },
    });
    const n1 = p.feed(buf, 0, buf.length);
    assert.equal(n1, buf.indexOf('ok'));
    pauseHead = false;
    const n2 = p.feed(buf, n1, buf.length);
    assert.equal(n1 + n2, buf.indexOf('GET'));
    const n3 = p.feed(buf, n1 + n2, buf.length);
    assert.equal(n1 + n2 + n3, buf.length);
    assert.deepEqual(ev, ['head /', 'data ok', 'end', 'head /', 'end']);
  });

  test('obs-fold is rewritten in place with spaces, as haproxy does', () => {
    const buf = Buffer.from('GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\nX-B:\r\n c\r\n\r\n');
    let got = '';
    const p = new H1Parser(REQ, { onHead: (h) => void (got = writeHead(h).toString('latin1')), onData() {}, onTrailers() {}, onEnd() {} });
    p.feed(buf, 0, buf.length);
    assert.equal(got, 'GET / HTTP/1.1\r\nx-a: a  \tb\r\nx-b: c\r\n\r\n');
  });

  test('normalizations are marked, not applied to the bytes', () => {
    const h = run(REQ, 'POST / HTTP/1.1\r\nHost: a\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc').heads[0]!;
    assert.deepEqual(Array.from({ length: h.count }, (_, i) => h.isDropped(i)), [false, true, false, true, true]);
    assert.equal(h.hdrFlags[1]! & HDR_DROPPED, HDR_DROPPED);
    assert.equal(h.contentLength, 3);
    assert.equal(h.bodyKind, BODY_LENGTH);
  });

  test('Upgrade is dropped from a request with a body; requestInfo', () => {
    const up = run(REQ, 'GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: foo\r\n\r\n').heads[0]!;
    assert.equal(up.wantsUpgrade, true);
    assert.equal(requestInfo(up), REQ_UPGRADE);
    const body = run(REQ, 'POST / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: foo\r\nContent-Length: 1\r\n\r\nx').heads[0]!;
    assert.equal(body.wantsUpgrade, false);
    assert.equal(body.getHeader('upgrade'), undefined);
    assert.equal(requestInfo(run(REQ, 'HEAD / HTTP/1.1\r\n\r\n').heads[0]!), REQ_HEAD);
    assert.equal(run(REQ, 'POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n').heads[0]!.expectsContinue, true);
  });

  test('errors carry the code, the side and haproxy status', () => {
    const cases: Array<[string, H1ErrorCode, number]> = [
      ['GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'H1_INVALID_HEADER_NAME', 400],
      ['POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'H1_CONFLICTING_CONTENT_LENGTH', 400],
      ['POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'H1_UNSUPPORTED_TRANSFER_ENCODING', 422],
      ['GET / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx', 'H1_HTTP10_PAYLOAD_FORBIDDEN', 413],
      ['GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', 'H1_BARE_CR', 400],
      ['GET /\r\n', 'H1_INVALID_VERSION', 400],
      ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n', 'H1_INVALID_CHUNK_SIZE', 400],
      ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab', 'H1_INVALID_CHUNK_END', 400],
    ];
    for (const [msg, code, status] of cases) {
      const errs: Array<{ code: string; status: number; side: string }> = [];
      const p = new H1Parser(REQ, { onHead() {}, onData() {}, onTrailers() {}, onEnd() {} });
      const b = Buffer.from(msg, 'latin1');
      assert.equal(p.feed(b, 0, b.length), -1, msg);
      errs.push({ code: p.error!.code, status: p.error!.status, side: p.error!.side });
      assert.deepEqual(errs[0], { code, status, side: 'client' }, JSON.stringify(msg));
      assert.equal(p.feed(b, 0, b.length), -1, 'refuses everything after an error');
    }
    assert.equal(run(RESP, 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n').error, 'H1_INVALID_CONTENT_LENGTH');
  });

  test('accept-invalid-http-request relaxes names, targets and versions only', () => {
    const relaxed = { kind: 'request', acceptInvalid: true } as const;
    assert.equal(run(relaxed, 'GET /a#b HTTP/1.1\r\nX(y): 1\r\n\r\n').error, undefined);
    const h09 = run(relaxed, 'GET /x\r\n').heads[0]!;
    assert.equal(h09.versionText(), 'HTTP/1.0');
    assert.equal(writeHead(h09).toString('latin1'), 'GET /x HTTP/1.0\r\n\r\n');
    assert.equal(run(relaxed, 'POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n').error, 'H1_CONFLICTING_CONTENT_LENGTH');
  });

  test('limits: tune.http.maxhdr, tune.bufsize, tune.maxrewrite', () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');
    const small = { kind: 'request', maxhdr: 5, bufsize: 1024, maxrewrite: 256 } as const;
    assert.equal(run(small, `GET / HTTP/1.1\r\n${fields(4)}\r\n`).error, undefined);
    assert.equal(run(small, `GET / HTTP/1.1\r\n${fields(5)}\r\n`).error, 'H1_TOO_MANY_HEADERS');
    // merged duplicates do not count
    assert.equal(run(small, `GET / HTTP/1.1\r\n${fields(4)}Host: a\r\nHost: a\r\n\r\n`).error, 'H1_TOO_MANY_HEADERS');
    assert.equal(run(small, `GET / HTTP/1.1\r\n${fields(3)}Content-Length: 0\r\nContent-Length: 0\r\n\r\n`).error, undefined);
    // 3 + 1 + 8 + 5 + (5 + v) + 16 + 85 <= 768  =>  v <= 645
    const pad = (v: number): string => `GET / HTTP/1.1\r\nHost: x\r\nX-pad: ${'a'.repeat(v)}\r\n\r\n`;
    assert.equal(run(small, pad(645)).error, undefined);
    assert.equal(run(small, pad(646)).error, 'H1_HEAD_TOO_LARGE');
    // an incomplete head filling the buffer is refused without waiting for its end
    assert.equal(run(small, `GET / HTTP/1.1\r\nX: ${'a'.repeat(1100)}`).error, 'H1_HEAD_TOO_LARGE');
    assert.equal(run(small, `GET / HTTP/1.1\r\nX: ${'a'.repeat(900)}`).error, undefined);
  });

  test('finish(): clean between messages, truncated inside one', () => {
    const mk = (): H1Parser => new H1Parser(REQ, { onHead() {}, onData() {}, onTrailers() {}, onEnd() {} });
    const p = mk();
    const b = Buffer.from('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab');
    p.feed(b, 0, b.length);
    assert.equal(p.finish(), false);
    assert.equal(p.error?.code, 'H1_TRUNCATED');
    const q = mk();
    assert.equal(q.finish(), true);
    assert.equal(q.idle, true);
  });

  test("haproxy's Content-Length arithmetic", () => {
    assert.equal(haproxyContentLength('18446744073709551615'), 18446744073709551615n);
    assert.equal(haproxyContentLength('9223372036854775807'), 9223372036854775807n);
    assert.equal(haproxyContentLength('9223372036854775808'), null);
    assert.equal(haproxyContentLength('18446744073709551616'), 0n);
    assert.equal(haproxyContentLength('18446744073709551619'), 3n);
    assert.equal(haproxyContentLength('18446744073709551620'), null);
    assert.equal(run(REQ, 'POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n').error, 'H1_INVALID_CONTENT_LENGTH');
    assert.equal(run(REQ, 'POST / HTTP/1.1\r\nContent-Length: 0000000000000000000000003\r\n\r\nabc').error, undefined);
  });
});

describe('responses', () => {
  const resp = (input: string, info = 0): Log => run(RESP, input, undefined, (p) => p.expectResponseTo(info));

  test('interim responses, then the final one', () => {
    const l = resp('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.deepEqual(l.events, ['head HTTP/1.1 100 Continue body=0', 'head HTTP/1.1 103 Early Hints body=0', 'head HTTP/1.1 200 OK body=1', 'data ok', 'end']);
    assert.equal(l.heads[0]!.isInterim, true);
  });

  test('no body for HEAD, 204 and 304 whatever the fields say', () => {
    assert.deepEqual(resp('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', REQ_HEAD).events, ['head HTTP/1.1 200 OK body=0', 'end']);
    const h204 = resp('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n');
    assert.equal(writeHead(h204.heads[0]!).toString('latin1'), 'HTTP/1.1 204 No Content\r\n\r\n');
    assert.equal(resp('HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n').heads[0]!.bodyKind, BODY_NONE);
  });

  test('until close, ended by finish()', () => {
    const ev: string[] = [];
    const p = new H1Parser(RESP, { onHead: (h) => void ev.push(`head ${h.bodyKind}`), onData: (b, s, e) => void ev.push(b.toString('latin1', s, e)), onTrailers() {}, onEnd: () => void ev.push('end') });
    const b = Buffer.from('HTTP/1.0 200 OK\r\n\r\nabc');
    p.feed(b, 0, b.length);
    assert.equal(p.untilClose, true);
    assert.equal(p.finish(), true);
    assert.deepEqual(ev, [`head ${BODY_UNTIL_CLOSE}`, 'abc', 'end']);
  });

  test('101 becomes a tunnel only when the request asked for it', () => {
    const sw = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\nraw\r\n\r\nbytes';
    assert.equal(resp(sw).error, 'H1_UNEXPECTED_SWITCHING_PROTOCOLS');
    const l = resp(sw, REQ_UPGRADE);
    assert.deepEqual(l.events, [`head HTTP/1.1 101 Switching Protocols body=${BODY_TUNNEL}`, 'data raw\r\n\r\nbytes']);
    assert.equal(resp('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', REQ_UPGRADE).error, 'H1_WEBSOCKET_ACCEPT_MISSING');
  });

  test('2xx to CONNECT is a tunnel, other statuses are not', () => {
    assert.equal(resp('HTTP/1.1 200 OK\r\n\r\nxyz', REQ_CONNECT).heads[0]!.bodyKind, BODY_TUNNEL);
    assert.equal(resp('HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n', REQ_CONNECT).heads[0]!.bodyKind, BODY_LENGTH);
  });

  test('chunked response with Content-Length: the length is dropped', () => {
    const l = resp('HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    assert.equal(l.heads[0]!.bodyKind, BODY_CHUNKED);
    assert.equal(writeHead(l.heads[0]!).toString('latin1'), 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
  });

  test('errors are 502 on the server side', () => {
    const p = new H1Parser(RESP, { onHead() {}, onData() {}, onTrailers() {}, onEnd() {} });
    const b = Buffer.from('HTTP/1.1 2x0 OK\r\n\r\n');
    assert.equal(p.feed(b, 0, b.length), -1);
    assert.equal(p.error?.status, 502);
    assert.equal(p.error?.side, 'server');
    assert.equal(p.error?.retryable, false);
  });
});

describe('writer', () => {
  const head = (s: string, opts: H1ParserOptions = REQ): H1Head => run(opts, s).heads[0]!;

  test('patches: start line, removed, replaced and added fields, in one Buffer', () => {
    const h = head('GET /old HTTP/1.1\r\nHost: a\r\nX-Drop: 1\r\nX-Keep: 2\r\n\r\n');
    const out = writeHead(h, { method: 'POST', target: '/new', remove: [1], replace: new Map([[2, 'two']]), add: [['X-Forwarded-For', '10.0.0.1']] });
    assert.equal(out.toString('latin1'), 'POST /new HTTP/1.1\r\nhost: a\r\nx-keep: two\r\nx-forwarded-for: 10.0.0.1\r\n\r\n');
    assert.equal(writeHead(h, { keepNameCase: true }).toString('latin1'), 'GET /old HTTP/1.1\r\nHost: a\r\nX-Drop: 1\r\nX-Keep: 2\r\n\r\n');
  });

  test('versions as haproxy writes them; status line patches', () => {
    assert.equal(writeHead(head('GET / HTTP/2.0\r\n\r\n')).toString('latin1'), 'GET / HTTP/1.1\r\n\r\n');
    assert.equal(writeHead(head('GET / HTTP/1.0\r\n\r\n')).toString('latin1'), 'GET / HTTP/1.0\r\n\r\n');
    const r = head('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n', RESP);
    assert.equal(writeHead(r).toString('latin1'), 'HTTP/1.1 200 \r\ncontent-length: 0\r\n\r\n');
    assert.equal(writeHead(r, { status: 404, reason: 'Not Found' }).toString('latin1'), 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  });

  test('canonical heads round-trip', () => {
    const c = head('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').toCanonical();
    assert.deepEqual(c.headers, [['Host', 'a']]);
    c.headers.push(['X-New', 'v']);
    assert.equal(writeCanonical(c).toString('latin1'), 'GET / HTTP/1.1\r\nhost: a\r\nx-new: v\r\n\r\n');
  });

  test('chunked encoder', () => {
    assert.equal(chunkHeader(255).toString(), 'ff\r\n');
    assert.equal(chunkHeader(70000).toString(), '11170\r\n');
    const data = Buffer.from('hello world');
    const pieces = encodeChunk(data, 6, 11);
    assert.equal(Buffer.concat(pieces).toString(), '5\r\nworld\r\n');
    assert.equal(pieces[1]!.buffer, data.buffer, 'the data is not copied');
    assert.deepEqual(encodeChunk(data, 3, 3), []);
    assert.equal(LAST_CHUNK.toString(), '0\r\n\r\n');
    assert.equal(writeLastChunk([['X-T', '1']]).toString(), '0\r\nx-t: 1\r\n\r\n');
  });
});

describe('built-in error pages', () => {
  test('raw messages are byte-exact and their Content-length is right', () => {
    assert.equal(
      rawErrorMessage(400).toString('latin1'),
      'HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n',
    );
    for (const s of DEFAULT_ERROR_STATUSES) {
      const raw = rawErrorMessage(s).toString('latin1');
      const len = Number(/Content-length: (\d+)/.exec(raw)?.[1]);
      assert.equal(len, Buffer.byteLength(defaultErrorBody(s)), String(s));
      assert.ok(raw.endsWith(`\r\n\r\n${defaultErrorBody(s)}`));
    }
  });

  test('rendered messages as the stream sends them', () => {
    assert.equal(
      renderedErrorMessage(502).toString('latin1'),
      'HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n',
    );
    assert.match(renderedErrorMessage(408).toString('latin1'), /content-type: text\/html\r\nconnection: close\r\n\r\n/);
    assert.match(renderedErrorMessage(503, { close: true }).toString('latin1'), /connection: close\r\n\r\n/);
  });
});

test('every H1 error code is documented in docs/errors.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  for (const code of Object.keys(H1_VERDICTS)) assert.ok(doc.includes(`\`${code}\``), code);
});
