/**
 * The bytes of custom error pages (src/http/error-pages-render.ts), as
 * haproxy 2.6 writes them (observed on the wire, see
 * test/compat/http/error-pages.test.ts for the differential version).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReply, errorlocMessage, finishReply, httpReason, renderErrorFile } from '../../../src/http/error-pages-render.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('error page rendering', () => {
  it('an error file keeps its status line, lowercases names, trims values, drops Connection', () => {
    const out = renderErrorFile(b('HTTP/1.0 503 Custom Busy\r\nConnection: close\r\nX-Mine:   yes  \r\n\r\n<h1>x</h1>\n'));
    assert.equal(out.toString('latin1'), 'HTTP/1.0 503 Custom Busy\r\nx-mine: yes\r\n\r\n<h1>x</h1>\n');
  });
  it('an empty file is an empty page', () => {
    assert.equal(renderErrorFile(Buffer.alloc(0)).length, 0);
  });
  it('errorloc302/303', () => {
    assert.equal(errorlocMessage(302, '/x').toString('latin1'), 'HTTP/1.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: /x\r\n\r\n');
    assert.match(errorlocMessage(303, '/x').toString('latin1'), /^HTTP\/1\.1 303 See Other\r\n/);
  });
  it('a reply: hdr lines, content-length, then content-type when there is a payload', () => {
    assert.equal(buildReply(503, 'text/plain', [['X-A', 'b']], b('hi')).toString('latin1'), 'HTTP/1.1 503 Service Unavailable\r\nx-a: b\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nhi');
    assert.equal(buildReply(404, 'text/plain', [], Buffer.alloc(0)).toString('latin1'), 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  });
  it("haproxy's reason phrases", () => {
    assert.equal(httpReason(418), "I'm a teapot");
    assert.equal(httpReason(502), 'Bad Gateway or Proxy Error');
    assert.equal(httpReason(302), 'Moved Temporarily');
    assert.equal(httpReason(499), 'client has closed connection');
    assert.equal(httpReason(599), 'Server Error');
  });
  it('finishReply: the connection header depends on the page version, no length closes, HEAD drops the body', () => {
    const v11 = b('HTTP/1.1 403 X\r\ncontent-length: 2\r\n\r\nno');
    assert.deepEqual(finishReply(v11, false, false), { bytes: v11, close: false });
    assert.equal(finishReply(v11, true, false).bytes.toString('latin1'), 'HTTP/1.1 403 X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno');
    const v10 = b('HTTP/1.0 503 T\r\ncontent-length: 2\r\n\r\nok');
    assert.equal(finishReply(v10, false, false).bytes.toString('latin1'), 'HTTP/1.0 503 T\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
    assert.equal(finishReply(v10, true, false).bytes.toString('latin1'), v10.toString('latin1'));
    const nolen = finishReply(b('HTTP/1.1 503 N\r\nx-a: a\r\n\r\nbody'), false, true);
    assert.deepEqual([nolen.bytes.toString('latin1'), nolen.close], ['HTTP/1.1 503 N\r\nx-a: a\r\nconnection: close\r\n\r\n', true]);
  });
});
