/**
 * `req.proto_http` (src/tcp/rule-proto-http.ts) fed raw request bytes: a
 * complete valid HTTP/1 head is HTTP, an incomplete one "may change" (MISS:
 * the content rules wait), garbage or a head that cannot fit is no HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protoHttp } from '../../../src/tcp/rule-proto-http.js';
import { MISS, type SampleContext, type PayloadView } from '../../../src/sample/context.js';
import { INSPECT_WINDOW } from '../../../src/tcp/inspect.js';

function ctxOf(bytes: string | Buffer, extra: Partial<SampleContext> = {}): SampleContext {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  const req: PayloadView = { buf, len: buf.length };
  return { req, final: false, vars: () => undefined, ...extra };
}

test('req.proto_http: complete head, partial head, garbage, oversized, HTTP stream', () => {
  assert.deepEqual(protoHttp(ctxOf('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), { type: 'bool', value: true, flags: 0 });
  assert.deepEqual(protoHttp(ctxOf('POST /a HTTP/1.0\r\nContent-Length: 3\r\n\r\nab')), { type: 'bool', value: true, flags: 0 });
  assert.equal(protoHttp(ctxOf('GET / HTTP/1.1\r\nHost:')), MISS);
  assert.equal(protoHttp(ctxOf('')), MISS);
  assert.equal(protoHttp(ctxOf('\r\nGE')), MISS);
  assert.equal(protoHttp(ctxOf('\x16\x03\x01\x00\x05hello')), undefined);
  assert.equal(protoHttp(ctxOf('HELLO THERE\r\n\r\n')), undefined);
  const big = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nX: '), Buffer.alloc(INSPECT_WINDOW, 0x61)]);
  assert.equal(protoHttp(ctxOf(big)), undefined);
  assert.deepEqual(protoHttp({ final: true, vars: () => undefined, http: {} as never }), { type: 'bool', value: true, flags: 0 });
  assert.equal(protoHttp({ final: true, vars: () => undefined }), undefined);
});
