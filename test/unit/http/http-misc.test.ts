/**
 * src/http/http-misc.ts and src/http/l7-retry.ts on their own: checkcache's
 * cacheability rules, the server name header patch, the header-name
 * restriction, and the retry-on policy (the stream behaviour is checked
 * against haproxy in test/compat/http/misc-keywords.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H1Parser, requestInfo } from '../../../src/http/h1-parser.js';
import type { H1Head } from '../../../src/http/h1-head.js';
import { blocksCacheableCookie, restrictHeaderNames, withServerName } from '../../../src/http/http-misc.js';
import { RE_CONN, RE_EMPTY, RE_JUNK, RE_TIMEOUT, retryPolicy } from '../../../src/http/l7-retry.js';
import type { Backend } from '../../../src/proxy/runtime.js';
import type { Server } from '../../../src/server/server.js';

const noop = { onHead: () => false, onData: () => undefined, onTrailers: () => undefined, onEnd: () => false };

function parse(kind: 'request' | 'response', text: string, reqFlags = 0): H1Head {
  const p = new H1Parser({ kind }, noop);
  if (kind === 'response') p.expectResponseTo(reqFlags);
  const n = p.feed(Buffer.from(text, 'latin1'), 0, text.length);
  assert.ok(n > 0, `parsed: ${p.error?.code ?? ''}`);
  return p.head.detach();
}

function blocks(method: string, status: number, headers: string): boolean {
  const req = parse('request', `${method} / HTTP/1.1\r\nHost: x\r\n\r\n`);
  const res = parse('response', `HTTP/1.1 ${status} R\r\n${headers}Content-Length: 0\r\n\r\n`, requestInfo(req));
  return blocksCacheableCookie(req, undefined, res, undefined);
}

describe('option checkcache', () => {
  it('blocks a cacheable response with a cookie', () => {
    assert.equal(blocks('GET', 200, 'Set-Cookie: a=1\r\nExpires: x\r\n'), true);
    assert.equal(blocks('GET', 200, 'Set-Cookie: a=1\r\nETag: "x"\r\n'), true);
    assert.equal(blocks('HEAD', 404, 'Set-Cookie: a=1\r\nCache-Control: Max-Age=60\r\n'), true);
  });
  it('lets through what no cache stores', () => {
    assert.equal(blocks('GET', 200, 'Set-Cookie: a=1\r\n'), false, 'no freshness, no validator');
    assert.equal(blocks('GET', 200, 'Cache-Control: max-age=60\r\n'), false, 'no cookie');
    assert.equal(blocks('POST', 200, 'Set-Cookie: a=1\r\nCache-Control: max-age=60\r\n'), false, 'POST');
    assert.equal(blocks('GET', 302, 'Set-Cookie: a=1\r\nCache-Control: max-age=60\r\n'), false, '302');
    assert.equal(blocks('GET', 200, 'Set-Cookie: a=1\r\nCache-Control: max-age=60\r\nPragma: no-cache\r\n'), false, 'pragma');
    assert.equal(blocks('GET', 200, 'Set-Cookie: a=1\r\nCache-Control: max-age=0, s-maxage=10\r\n'), false, 'null max-age');
    assert.equal(blocks('GET', 200, 'Set-Cookie: a=1\r\nCache-Control: max-age=60, no-cache="set-cookie, x"\r\n'), false, 'no-cache=set-cookie');
    assert.equal(blocks('GET', 200, 'Set-Cookie: a=1\r\nCache-Control: public\r\nCache-Control: private\r\n'), false, 'private');
  });
  it('public makes any status and method cacheable', () => {
    assert.equal(blocks('POST', 302, 'Set-Cookie: a=1\r\nCache-Control: public, max-age=5\r\n'), true);
  });
});

describe('http-send-name-header', () => {
  it('removes every occurrence and appends the name last', () => {
    const head = Buffer.from('GET / HTTP/1.1\r\nhost: x\r\nX-Srv: a\r\nx-srv: b\r\nconnection: close\r\n\r\n', 'latin1');
    const out = withServerName(head, 'X-Srv', { name: 'web1' } as Server).toString('latin1');
    assert.equal(out, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-srv: web1\r\n\r\n');
  });
});

describe('option http-restrict-req-hdr-names', () => {
  it('deletes or rejects names outside [A-Za-z0-9-]', () => {
    const head = parse('request', 'GET / HTTP/1.1\r\nHost: x\r\nX_a: 1\r\nX-b9: 2\r\nX.c: 3\r\n\r\n');
    let canon: ReturnType<H1Head['toCanonical']> | undefined;
    const s = { reqHead: head, get reqCanon() { return canon; }, reqCanonical: () => (canon ??= head.toCanonical()) };
    assert.equal(restrictHeaderNames(s, 2), true);
    assert.equal(canon, undefined, 'reject does not rewrite');
    assert.equal(restrictHeaderNames(s, 1), false);
    assert.deepEqual(canon!.headers.map(([n]) => n), ['Host', 'X-b9']);
    assert.equal(restrictHeaderNames(s, 2), false, 'nothing left to reject');
  });
});

describe('retry-on policy', () => {
  const be = (retryOn: string[] | undefined): Backend => ({ config: { retryOn } }) as unknown as Backend;
  it('defaults to conn-failure', () => {
    const p = retryPolicy(be(undefined));
    assert.equal(p.mask, RE_CONN);
    assert.equal(p.l7, false);
  });
  it('reads kinds, statuses, all-retryable-errors and none', () => {
    const p = retryPolicy(be(['empty-response', '503', '404']));
    assert.equal(p.mask, RE_EMPTY);
    assert.deepEqual([...p.statuses].sort(), [404, 503]);
    assert.equal(p.l7, true);
    const all = retryPolicy(be(['all-retryable-errors']));
    assert.equal(all.mask & (RE_CONN | RE_EMPTY | RE_JUNK | RE_TIMEOUT), RE_CONN | RE_EMPTY | RE_JUNK | RE_TIMEOUT);
    assert.deepEqual([...all.statuses].sort(), [500, 502, 503, 504]);
    assert.equal(retryPolicy(be(['none'])).mask, 0);
  });
});
